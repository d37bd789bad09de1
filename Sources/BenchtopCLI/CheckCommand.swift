import ArgumentParser
import BenchtopBuilder
import BenchtopEval
import BenchtopPerturbation
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation

/// `benchtop check KIND FILE`: validates an input file without running anything (what `scene check` does for
/// scenes), so a spec or plugin from someone else can be checked first, and so the fuzz suite can reach every
/// loader cheaply.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate a URDF, a plugin folder, a perturbation spec or a sweep spec without running it.",
        subcommands: [URDFCheck.self, PluginCheck.self, PerturbationCheck.self, SweepCheck.self, BLASCheck.self])

    struct URDFCheck: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "urdf", abstract: "Validate a URDF of primitive shapes.")
        @Argument(help: "URDF file.") var file: String
        func run() throws {
            do {
                let spec = try URDFParser.load(path: file)
                print("\(file): OK, robot \(spec.name): \(spec.links.count) links, \(spec.joints.count) joints")
            } catch let e as URDFError { throw BenchtopError(e.description) }
        }
    }

    struct PluginCheck: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "plugin", abstract: "Validate a data-only embodiment plugin folder.")
        @Argument(help: "Folder holding embodiment.yaml (or a folder of such folders).") var folder: String
        @Flag(name: .customLong("allow-outside-root"), help: "Let the manifest name files outside its folder.") var allowOutsideRoot = false
        func run() throws {
            do {
                let names = try EmbodimentRegistry().loadPlugins(at: folder, allowsOutsideRoot: allowOutsideRoot)
                print("\(folder): OK, \(names.joined(separator: ", "))")
            } catch let e as ManifestError { throw BenchtopError(e.description) } catch let e as EmbodimentError {
                throw BenchtopError(e.description)
            }
        }
    }

    struct PerturbationCheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "perturbation", abstract: "Validate a perturbation spec against the scene and robot it will run on.")
        @Argument(help: "Perturbation spec (YAML).") var file: String
        @Option(help: "Scene the spec will run on (its cameras and action width are checked), a file or a name under scenes/.")
        var scene = "pick_cube"
        @Option(help: "Embodiment (default: the scene's robot).") var robot: String?
        @Option(help: "Control mode (default: the embodiment's first).") var mode: String?
        @OptionGroup var plugins: EmbodimentPathOptions
        func run() throws {
            do {
                let spec = try PerturbationSpec.load(path: file)
                try plugins.load()
                var probe = EvaluationBuilder(scene: try loadScene(scene), robot: robot)
                probe.mode = mode
                try spec.check(against: try probe.makeEnvironment(), file: file)
                print("\(file): OK, \(spec.perturbations.count) perturbations: \(spec.perturbations.map(\.name).joined(separator: ", "))")
            } catch let e as PerturbationError { throw BenchtopError(e.description) }
        }
    }

    struct SweepCheck: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sweep", abstract: "Validate a sweep spec.")
        @Argument(help: "Sweep spec (YAML).") var file: String
        func run() throws {
            do {
                let spec = try SweepSpec.load(path: file)
                _ = try loadScene(try spec.scenePath(specFile: file))
                print("\(file): OK, \(spec.cells.count) cells x \(spec.episodes) episodes")
            } catch let e as VariationError { throw BenchtopError(e.description) }
        }
    }
}
