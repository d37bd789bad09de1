import ArgumentParser
import BenchtopScene
import EmbodimentKit
import Foundation

/// A plain error message for the command line (printed as `Error: message`, without usage text).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Loads a scene (a file, or a name under scenes/), turning validation errors into a clean failure.
func loadScene(_ path: String) throws -> Scene {
    do {
        return try SceneLoader.load(path: path)
    } catch let e as SceneError {
        throw BenchError(e.description)
    }
}

/// `--embodiment-path DIR` (repeatable): data-only embodiment plugin folders to load (as in `benchtop`).
struct EmbodimentPathOptions: ParsableArguments {
    @Option(
        name: .customLong("embodiment-path"), help: "Folder of a data-only embodiment plugin (embodiment.yaml + URDF), or a folder of such folders.")
    var paths: [String] = []

    func load() throws {
        for p in paths {
            do { try EmbodimentRegistry.shared.loadPlugins(at: p) } catch { throw ValidationError("\(error)") }
        }
    }
}
