import BenchtopARM
import BenchtopCore
import BenchtopPolicy
import BenchtopReasoning
import EmbodimentKit
import Foundation
import FrankaEmbodiment

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return "."
}()

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// The parity fixture's randomly initialised weights (made by tools/arm/make_fixture.py with a fixed seed).
func fixtureModel() throws -> ARMModel { try ARMModel(path: "\(fixtures)/arm-fixture.safetensors") }

let frankaRegistry: EmbodimentRegistry = {
    let r = EmbodimentRegistry()
    try! r.register(FrankaPlugin.self)
    return r
}()

/// A seeded noise image.
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var rng = SeededRandom(seed: seed)
    return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

/// An observation of seeded images and a plausible `molmoact` state.
func syntheticObservation(seed: UInt64, instruction: String = "pick up the red cube") -> Observation {
    Observation(
        images: [
            CameraImage(name: "primary", rgb: noiseImage(width: 256, height: 256, seed: seed)),
            CameraImage(name: "wrist", rgb: noiseImage(width: 256, height: 256, seed: seed + 1)),
        ],
        state: [0.45, 0.02, 1.1, 3.1, 0.05, -0.1, 1], instruction: instruction, time: 0)
}

/// Rewrites a safetensors file with `edit` applied to its tensors and metadata.
func rewrittenWeights(
    _ source: String, to destination: String,
    edit: (inout [String: (shape: [Int], values: [Float])], inout [String: String]) -> Void
) throws {
    let file = try SafetensorsFile(path: source)
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    for key in file.keys { tensors[key] = (file.entries[key]!.shape, try file.floats(key)) }
    var metadata = file.metadata
    edit(&tensors, &metadata)
    try SafetensorsFile.encode(tensors, metadata: metadata).write(to: URL(fileURLWithPath: destination))
}
