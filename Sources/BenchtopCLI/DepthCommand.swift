import ArgumentParser
import BenchtopCore
import BenchtopImage
import BenchtopNumerics
import BenchtopReasoning
import BenchtopScene
import Foundation

/// `benchtop depth encode|decode`: depth perception tokens (MolmoAct's `<DEPTH_START><DEPTH_k>…<DEPTH_END>`).
struct DepthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depth", abstract: "Encode depth to MolmoAct depth tokens and decode tokens back to depth.",
        subcommands: [Encode.self, Decode.self])

    /// Which tokenizer to use: the built-in one, or MolmoAct's VQ-VAE from converted weights.
    struct TokenizerOptions: ParsableArguments {
        @Option(
            help: "MolmoAct depth VQ-VAE weights converted to safetensors (tools/convert_depth_vqvae.py); default: Benchtop's built-in tokenizer.")
        var vqvae: String?

        func make() throws -> any DepthTokenizer {
            if let vqvae { return try DepthVQVAE(configuration: .molmoAct, weightsPath: vqvae) }
            return try GridDepthQuantizer.builtIn()
        }
    }

    struct SceneOptions: ParsableArguments {
        @Option(help: "Camera of the scene (default: primary).") var camera: String?
        @Option(help: "Layout seed of the scene (default: 0).") var seed: UInt64?
        @Flag(help: "Ray-cast the collision primitives on the CPU instead of rendering with EGL (test fixture; no robots).")
        var raycast = false
        @OptionGroup var plugins: EmbodimentPathOptions

        /// Which of these flags were given (they apply only when a scene is rendered).
        var given: [(flag: String, set: Bool)] {
            [("--camera", camera != nil), ("--seed", seed != nil), ("--raycast", raycast), ("--embodiment-path", !plugins.paths.isEmpty)]
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the depth token string of a depth PNG or a scene camera.",
            discussion: """
                IMAGE|SCENE: a PNG (16-bit gray = depth in millimetres; 8-bit gray or RGB = a near-is-bright map, as \
                MolmoAct's depth model produces), or a scene file/name rendered at its reset state.
                """)
        @Argument(help: "A depth PNG or a scene (file or name such as pick_cube).") var input: String
        @OptionGroup var scene: SceneOptions
        @OptionGroup var tokenizer: TokenizerOptions
        @Flag(help: "Spell tokens as MolmoAct2 does (<depth_start><depth_k>…<depth_end>).") var molmoact2 = false

        func validate() throws {
            try FlagRules.onlyWhen(!input.lowercased().hasSuffix(".png"), scene.given, "with a scene input, not a PNG")
        }

        func run() throws {
            let model = try tokenizer.make()
            let modelInput = try DepthCommand.modelInput(input, scene: scene, size: model.inputSize).input
            BLAS.setThreadCount(1)
            let tokens = try model.encode(modelInput: modelInput)
            print(tokens.text(spelling: molmoact2 ? .molmoAct2 : .molmoAct))
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode a depth token string to a colourised PNG (near = warm), beside the ground truth when --scene is given.")
        @Argument(help: "Depth tokens (either spelling, or 100 integers).") var tokens: String
        @Option(help: "Output PNG.") var out = "depth.png"
        @Option(help: "Render this scene's camera as ground truth, shown on the left.") var scene: String?
        @OptionGroup var sceneOptions: SceneOptions
        @OptionGroup var tokenizer: TokenizerOptions

        func validate() throws {
            try FlagRules.onlyWhen(scene != nil, sceneOptions.given, "with --scene")
        }

        func run() throws {
            let parsed = try DepthTokens.parse(tokens)
            for warning in parsed.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            let model = try tokenizer.make()
            let decoded = try model.decode(parsed.tokens)
            var panels = [DepthCommand.colorize(unit: DepthNormalization.unitNearness(decoded), size: decoded.width)]
            if let scene {
                let truth = try DepthCommand.modelInput(scene, scene: sceneOptions, size: model.inputSize).input
                panels.insert(DepthCommand.colorize(unit: truth.values.map { ($0 + 1) / 2 }, size: truth.width), at: 0)
            }
            try PNG.write(DepthCommand.sideBySide(panels), to: out)
            print("wrote \(out)\(scene == nil ? "" : " (left: ground truth, right: decoded)")")
        }
    }

    /// The model input for a PNG or a scene camera.
    static func modelInput(_ input: String, scene options: SceneOptions, size: Int) throws -> (input: FeatureMap, depth: DepthImage?) {
        if input.lowercased().hasSuffix(".png") {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: input)) } catch {
                throw DepthInputError("\(input): cannot read (\(error.localizedDescription))")
            }
            let png: PNG.Decoded
            do { png = try PNG.decode(data) } catch { throw DepthInputError("\(input): \(error)") }
            if png.bitDepth == 16 && png.channels == 1 {
                let depth = DepthImage(width: png.width, height: png.height, values: png.samples.map { Float($0) / 1000 })
                return (DepthNormalization.modelInput(depth, size: size), depth)
            }
            guard png.bitDepth == 8 else {
                throw DepthInputError("\(input): expected 16-bit gray depth in millimetres or an 8-bit near-is-bright map")
            }
            var bytes = [UInt8](repeating: 0, count: png.width * png.height)
            for i in bytes.indices { bytes[i] = UInt8(png.samples[i * png.channels]) }
            return (DepthNormalization.modelInput(nearness: bytes, width: png.width, height: png.height, size: size), nil)
        }
        let scene = try SceneLoader.load(path: input)
        try options.plugins.load()
        let depth = try SceneDepth.makeRenderer(raycast: options.raycast).depth(
            scene: scene, seed: options.seed ?? 0, camera: options.camera ?? "primary", eyeOffset: .zero)
        return (DepthNormalization.modelInput(depth, size: size), depth)
    }

    /// Turbo colours for values in [0, 1] where 1 is nearest.
    static func colorize(unit: [Float], size: Int) -> RGBImage {
        DepthColormap.colorize(DepthImage(width: size, height: unit.count / size, values: unit.map { 1 - $0 }), near: 0, far: 1)
    }

    /// Panels left to right with an 8-pixel white gap.
    static func sideBySide(_ panels: [RGBImage]) -> RGBImage {
        let gap = 8
        let width = panels.map(\.width).reduce(0, +) + gap * (panels.count - 1)
        let height = panels.map(\.height).max() ?? 0
        var out = RGBImage(width: width, height: height, fill: (255, 255, 255))
        var x0 = 0
        for panel in panels {
            for y in 0..<panel.height { for x in 0..<panel.width { out[x0 + x, y] = panel[x, y] } }
            x0 += panel.width + gap
        }
        return out
    }
}

/// A bad input file for the depth commands (no usage text: the arguments were well-formed).
struct DepthInputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
