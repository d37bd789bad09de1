import BenchtopCore
import BenchtopScene
import Foundation

/// Scenes built in code for physics tests: a table and the given objects, nothing else.
func tableScene(_ objects: [SceneObject], physics: PhysicsSettings = PhysicsSettings()) -> Scene {
    Scene(name: "test", physics: physics, objects: objects)
}

func cube(
    _ name: String, size: Double = 0.05, mass: Double = 0.1, at position: SIMD3<Double>, restsOnTable: Bool = false,
    friction: Double = 0.8, orientation: SIMD3<Double> = .zero, isStatic: Bool = false
) -> SceneObject {
    SceneObject(
        name: name, asset: .cube(size: SIMD3(repeating: size)), mass: mass, color: Color(1, 0, 0),
        position: position, restsOnTable: restsOnTable, orientation: orientation, friction: friction,
        isStatic: isStatic)
}

/// The repository root (for loading the shipped scenes).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}()
