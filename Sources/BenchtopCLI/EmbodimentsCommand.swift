import ArgumentParser
import BenchtopCore
import EmbodimentKit
import Foundation

/// `benchtop embodiments list | show NAME`
struct EmbodimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embodiments", abstract: "List and describe robot embodiments.",
        subcommands: [List.self, Show.self])

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

    func load() throws {
        for p in paths {
            do { try EmbodimentRegistry.shared.loadPlugins(at: p, allowsOutsideRoot: allowOutsideRoot) } catch { throw ValidationError("\(error)") }
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
