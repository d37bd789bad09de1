import ArgumentParser
import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import BenchtopScene
import Foundation

/// `benchtop tokenizer train`: rebuilds the built-in depth tokenizer from Benchtop's own scenes.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Depth tokenizer tools.", subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the built-in depth tokenizer (k-means codebook) on simulated depth of the scenes in scenes/.",
            discussion: "The same seed gives the same file, bit for bit. The shipped file is made with --seed 1.")

        @Option(help: "Seed of the k-means++ seeding and of the camera jitter.") var seed: UInt64 = 1
        @Option(help: "Layouts (scene seeds) per scene camera.") var layouts = 24
        @Option(help: "Lloyd iterations (at most).") var iterations = 30
        @Option(help: "Scene directory.") var scenes = "scenes"
        @Flag(help: "Ray-cast the collision primitives on the CPU instead of rendering with EGL (test fixture, not the shipped file).")
        var raycast = false
        @Option(help: "Output file.") var out = "Sources/BenchtopReasoning/Resources/default-depth-tokenizer.safetensors"

        @OptionGroup var plugins: EmbodimentPathOptions

        func validate() throws {
            try FlagRules.check("--layouts", layouts, in: 1...10_000)
            try FlagRules.check("--iterations", iterations, in: 1...10_000)
        }

        func run() throws {
            try plugins.load()
            let renderer = try SceneDepth.makeRenderer(raycast: raycast)
            let files = try FileManager.default.contentsOfDirectory(atPath: scenes).filter { $0.hasSuffix(".yaml") }.sorted()
            guard !files.isEmpty else { throw ValidationError("\(scenes): no .yaml scenes") }
            var jitter = SeededRandom(seed: seed).fork("camera-jitter")
            var training: [FeatureMap] = []
            var heldOut: [FeatureMap] = []
            for file in files {
                let scene = try SceneLoader.load(path: "\(scenes)/\(file)")
                for camera in scene.cameras {
                    if case .link = camera.mount { continue }
                    for layout in 0..<layouts {
                        let offset = SIMD3(jitter.uniform(-0.05, 0.05), jitter.uniform(-0.05, 0.05), jitter.uniform(-0.05, 0.05))
                        let depth = try renderer.depth(scene: scene, seed: UInt64(layout), camera: camera.name, eyeOffset: offset)
                        training.append(DepthNormalization.modelInput(depth, size: GridDepthQuantizer.imageSize))
                    }
                    for layout in 0..<4 {  // held out: unseen layouts, nominal camera
                        let depth = try renderer.depth(scene: scene, seed: UInt64(10_000 + layout), camera: camera.name, eyeOffset: .zero)
                        heldOut.append(DepthNormalization.modelInput(depth, size: GridDepthQuantizer.imageSize))
                    }
                }
            }
            print("training on \(training.count) depth images (\(training.count * DepthTokens.count) cells) from \(files.count) scenes")
            let model = GridDepthQuantizer.train(inputs: training, seed: seed, iterations: iterations)
            try model.encoded().write(to: URL(fileURLWithPath: out))
            let error = try Self.reconstructionError(model, heldOut)
            print(
                String(
                    format:
                        "held-out reconstruction (%d images): RMSE %.4f in [-1, 1] units = %.2f of 255 nearness levels; mean |error| %.2f levels; per-cell-mean floor RMSE %.2f levels",
                    heldOut.count, error.rmse, error.rmse * 127.5, error.mae * 127.5, error.cellMeanRMSE * 127.5))
            print("wrote \(out)")
        }

        static func reconstructionError(_ model: GridDepthQuantizer, _ inputs: [FeatureMap]) throws -> (
            rmse: Double, mae: Double, cellMeanRMSE: Double
        ) {
            var se = 0.0
            var ae = 0.0
            var cellSE = 0.0
            var count = 0.0
            for input in inputs {
                let decoded = try model.decode(model.encode(modelInput: input))
                for i in input.values.indices {
                    let e = Double(decoded.values[i] - input.values[i])
                    se += e * e
                    ae += abs(e)
                }
                // What one value per 32×32 cell could do at best: the cell mean.
                let s = input.width
                let c = s / DepthTokens.gridSide
                let g = DepthTokens.gridSide
                for cell in 0..<(g * g) {
                    let origin = (cell / g) * c * s + (cell % g) * c
                    var mean: Double = 0
                    for y in 0..<c { for x in 0..<c { mean += Double(input.values[origin + y * s + x]) } }
                    mean /= Double(c * c)
                    for y in 0..<c {
                        for x in 0..<c {
                            let e: Double = Double(input.values[origin + y * s + x]) - mean
                            cellSE += e * e
                        }
                    }
                }
                count += Double(input.values.count)
            }
            return ((se / count).squareRoot(), ae / count, (cellSE / count).squareRoot())
        }
    }
}
