import ArgumentParser
import BenchtopCore
import BenchtopEval
import BenchtopImage
import BenchtopRender
import BenchtopRobot
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation

extension SceneCommand {
    /// `benchtop scene vary SCENE --axis A --level L --seed S [--render --out DIR]`: shows what a variation level means.
    struct Vary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply an out-of-distribution variation to a scene; print what changed and optionally render it.",
            discussion:
                "Axes: \(VariationAxis.allCases.map(\.rawValue).joined(separator: ", ")). Levels 0 (as recorded) ... \(VariationAxis.maxLevel).")

        @Argument(help: "Scene file, or a name under scenes/.")
        var scene: String

        @Option(help: "Variation axis.")
        var axis: String

        @Option(name: .customLong("level"), help: "Level 0 ... 3 (repeatable; default: every level).")
        var levels: [Int] = []

        @Option(help: "Seed of the variation (and of the scene's layout when rendering).")
        var seed: UInt64 = 0

        @Option(help: "Embodiment to place (overrides the scene's robots).")
        var robot: String?

        @Flag(help: "Render each level's cameras to PNG files.")
        var render = false

        @Option(name: .customLong("camera"), help: "Camera to render (repeatable; default: every scene camera).")
        var cameras: [String] = []

        @Option(help: "Output directory for --render (default: out/vary).")
        var out: String?

        @OptionGroup var plugins: EmbodimentPathOptions

        func validate() throws {
            for level in levels { try FlagRules.check("--level", level, in: 0...VariationAxis.maxLevel) }
            try FlagRules.onlyWhen(render, [("--camera", !cameras.isEmpty), ("--out", out != nil)], "with --render")
        }

        func run() throws {
            guard let a = VariationAxis(rawValue: axis) else {
                throw ValidationError("unknown axis '\(axis)'; expected one of \(VariationAxis.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try plugins.load()
            var base = try loadScene(scene)
            let compiled = try CompiledScene(scene: base, robot: robot, registry: .shared)
            base.robots = compiled.robots.map(\.placement)
            let context = VariationContext(compiled: compiled)
            for level in levels.isEmpty ? Array(0...VariationAxis.maxLevel) : levels {
                let v: Variation
                do { v = try Variations.apply(base, axis: a, level: level, seed: seed, context: context) } catch let e as VariationError {
                    throw BenchtopError(e.description)
                }
                print("\(a.rawValue) level \(level), seed \(seed):" + (v.changes.isEmpty ? " (as recorded)" : ""))
                for c in v.changes { print("  " + c) }
                if render { try renderVariation(v, level: level) }
            }
        }

        func renderVariation(_ v: Variation, level: Int) throws {
            let compiled = try CompiledScene(scene: v.scene, registry: .shared)
            let (world, _) = try compiled.makeWorld(seed: seed, mode: nil)
            let renderer = try CameraRenderer(scene: compiled.scene, bodies: world.bodies)
            let out = out ?? "out/vary"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let names = cameras.isEmpty ? v.scene.cameras.map(\.name) : cameras
            for name in names {
                guard var rgb = try renderer.images(of: world.snapshot(), camera: name).rgb else { continue }
                if let noise = v.sensorNoise { noise.apply(to: &rgb, episodeSeed: seed, time: 0, camera: name) }
                let path = "\(out)/\(v.axis.rawValue)_L\(level)_\(name).png"
                try PNG.write(rgb, to: path)
                print("  wrote \(path)")
            }
        }
    }
}
