import ArgumentParser
import BenchtopCore
import EmbodimentConformance
import EmbodimentKit
import Foundation

/// `benchtop embodiments list | show NAME | check PATH`
struct EmbodimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embodiments", abstract: "List, describe and check robot embodiments.",
        subcommands: [List.self, Show.self, Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the conformance suite on a plugin and print a report; exits 1 when a check fails.",
            discussion: """
                Checks: features (state/action/camera schema), fk vs urdf (physics link poses against the URDF's \
                kinematic tree), home held 10 s, limits held, ik reach (random reachable targets), gripper stroke, \
                cameras (each arm's home TCP seen by a camera), and a scripted pick of a cube per arm. \
                Thresholds: Plugins/README.md.
                """)
        @Argument(help: "A data-only plugin folder (embodiment.yaml + URDF), or the name of a registered embodiment.")
        var path: String
        @Option(help: "Which embodiment of a folder holding several.") var name: String?
        @Flag(
            name: .customLong("allow-outside-root"),
            help: "Let the manifest and URDF name files outside their folders and BENCHTOP_PACKAGE_PATH.")
        var allowOutsideRoot = false
        @Option(help: "IK targets per arm (1-1000).") var ikTargets = 20
        @Option(help: "Cube edge for the pick, m (default 0.05, or 0.03 for grippers opening less than 6 cm).") var cubeSize: Double?
        @Option(help: "Cube mass for the pick, kg (default 0.1, or 0.03 with the small cube).") var cubeMass: Double?
        @Option(help: "Cube distance from the arm's first joint, m (default 1.15 x the home TCP's reach).") var reach: Double?
        @Flag(help: "Skip the scripted pick.") var noPick = false

        func validate() throws {
            guard (1...1000).contains(ikTargets) else { throw ValidationError("--ik-targets: expected 1 ... 1000, got \(ikTargets)") }
            if let cubeSize, !(0.005...0.3).contains(cubeSize) { throw ValidationError("--cube-size: expected 0.005 ... 0.3 m, got \(cubeSize)") }
            if let cubeMass, !(0.001...10).contains(cubeMass) { throw ValidationError("--cube-mass: expected 0.001 ... 10 kg, got \(cubeMass)") }
            if let reach, !(0.05...3).contains(reach) { throw ValidationError("--reach: expected 0.05 ... 3 m, got \(reach)") }
        }

        func run() throws {
            var isDir: ObjCBool = false
            let d: EmbodimentDescriptor
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                let registry = EmbodimentRegistry()
                let names: [String]
                do { names = try registry.loadPlugins(at: path, allowsOutsideRoot: allowOutsideRoot) } catch { throw ValidationError("\(error)") }
                guard names.count == 1 || name != nil else {
                    throw ValidationError("\(path) holds \(names.count) plugins (\(names.joined(separator: ", "))); choose one with --name")
                }
                do { d = try registry.embodiment(named: name ?? names[0]) } catch { throw ValidationError("\(error)") }
            } else {
                do { d = try EmbodimentRegistry.shared.embodiment(named: path) } catch {
                    throw ValidationError("'\(path)' is neither a plugin folder nor a registered embodiment: \(error)")
                }
            }
            var options = ConformanceSuite.Options()
            options.ikTargets = ikTargets
            options.cubeSize = cubeSize
            options.cubeMass = cubeMass
            options.reach = reach
            options.skipsPick = noPick
            // Unbuffered, so that a CI log shows each check as it finishes (print is block-buffered into a pipe).
            func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            say("conformance of \(d.name): \(d.summary)")
            say("  \(d.joints.count) joints, \(d.arms.count) arm(s), \(d.cameras.count) camera(s); \(d.sources)")
            let checks = ConformanceSuite.run(d, options: options) { say("  " + $0.description) }
            let failed = checks.filter { !$0.passed }
            say(
                failed.isEmpty
                    ? "\(d.name): all \(checks.count) checks passed"
                    : "\(d.name): \(failed.count) of \(checks.count) checks failed: \(failed.map(\.name).joined(separator: ", "))")
            if !failed.isEmpty { throw ExitCode.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered embodiments.")
        @OptionGroup var plugins: EmbodimentPathOptions

        func run() throws {
            try plugins.load()
            for d in EmbodimentRegistry.shared.all {
                print(
                    "\(d.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(d.joints.count) joints, modes \(d.controlModes.map(\.name).joined(separator: "/"))  \(d.summary)"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Joints, limits, control modes, features and cameras of one embodiment.")
        @Argument(help: "Embodiment name (see `benchtop embodiments list`).")
        var name: String
        @OptionGroup var plugins: EmbodimentPathOptions

        func run() throws {
            try plugins.load()
            let d: EmbodimentDescriptor
            do { d = try EmbodimentRegistry.shared.embodiment(named: name) } catch { throw ValidationError("\(error)") }
            print(EmbodimentSummary(d).text)
        }
    }
}

/// `--embodiment-path DIR` (repeatable): data-only embodiment plugin folders to load.
struct EmbodimentPathOptions: ParsableArguments {
    @Option(
        name: .customLong("embodiment-path"), help: "Folder of a data-only embodiment plugin (embodiment.yaml + URDF), or a folder of such folders.")
    var paths: [String] = []

    @Flag(
        name: .customLong("allow-outside-root"),
        help:
            "Let a plugin manifest (and, for replay, a dataset's metadata and recorded scene) name files outside its own folder (absolute paths, '..', symbolic links leading out)."
    )
    var allowOutsideRoot = false

    @Option(
        help: ArgumentHelp(
            "How robots look: primitive (the simulated shapes; no downloads) or published (the maker's visual meshes where installed: franka, franka_droid's arm from pybullet_data via BENCHTOP_PACKAGE_PATH). Physics is the same.",
            valueName: "primitive|published"))
    var look = "primitive"

    func validate() throws {
        guard look == "primitive" || look == "published" else { throw ValidationError("--look: expected primitive or published, got '\(look)'") }
    }

    func load() throws {
        for p in paths {
            do { try EmbodimentRegistry.shared.loadPlugins(at: p, allowsOutsideRoot: allowOutsideRoot) } catch { throw ValidationError("\(error)") }
        }
        if look == "published" {
            do { try EmbodimentRegistry.shared.applyPublishedLooks() } catch { throw ValidationError("--look published: \(error)") }
        }
    }
}

/// The text of `embodiments show`.
struct EmbodimentSummary {
    let d: EmbodimentDescriptor
    init(_ d: EmbodimentDescriptor) { self.d = d }

    var text: String {
        var lines = ["\(d.name): \(d.summary)"]
        let b = d.defaultBase
        lines.append(
            String(
                format: "default base (%.3f, %.3f, %.3f) m, yaw %.3f rad; motor gains position %.2f, velocity %.2f",
                b.position.x, b.position.y, b.position.z, b.orientation.rollPitchYaw.z, d.motorGains.position, d.motorGains.velocity))
        lines.append("joints (\(d.joints.count)):")
        let home = d.homePositions
        for (i, j) in d.joints.enumerated() {
            let unit = j.kind == .prismatic ? "m" : "rad"
            let range = j.lower <= j.upper ? String(format: "[%.4f, %.4f] %@", j.lower, j.upper, unit) : "unlimited"
            lines.append(
                String(
                    format: "  %-18@ %-9@ %@  effort %.1f, velocity %.3f, home %.4f", j.name, j.kind.rawValue, range,
                    j.effort, j.velocity, home[i]))
        }
        for arm in d.arms {
            let t = arm.tcpOffset.position
            var line =
                "arm \(arm.name): \(arm.joints.joined(separator: ", ")); TCP on \(arm.tcpLink) at "
                + String(format: "(%.4f, %.4f, %.4f)", t.x, t.y, t.z)
            if let g = arm.gripper { line += "; gripper \(g.joints.joined(separator: " + ")) open \(g.open) closed \(g.closed), \(g.effort) N" }
            lines.append(line)
        }
        lines.append("control modes:")
        for m in d.controlModes {
            lines.append("  \(m.name) (\(m.kind.rawValue), \(m.rate) Hz)" + (m.notes.isEmpty ? "" : ": \(m.notes)"))
            for f in m.features(cameras: d.cameras) {
                lines.append(
                    "    \(f.key) \(f.dtype) \(f.shape)" + (f.key.hasPrefix("observation.images") ? "" : ": " + f.names.joined(separator: ", ")))
            }
            lines.append("    units: " + m.action.map { "\($0.name) [\($0.unit)]" }.joined(separator: ", "))
        }
        lines.append(
            "cameras: "
                + (d.cameras.isEmpty
                    ? "none"
                    : d.cameras.map { "\($0.name) on \($0.link) \($0.width)x\($0.height) fov \($0.verticalFieldOfView)" }.joined(separator: "; ")))
        if !d.sources.isEmpty { lines.append("sources: \(d.sources)") }
        return lines.joined(separator: "\n")
    }
}
