import Foundation
import Testing

/// `scene check` rejects exactly what `sim` and `eval` reject about a scene: each bad scene of the set is run
/// through all three commands and the verdicts are compared, with the same key path in every message. A scene
/// `scene check` passes may fail `eval` only for what eval alone needs (a task block).
@Suite struct SceneCheckParityTests {
    static let pickCube = (try? String(contentsOfFile: "\(repositoryRoot)/scenes/pick_cube.yaml", encoding: .utf8)) ?? ""
    static let robot = "  - {name: robot, embodiment: franka, position: [0.0, 0.0, 0.75]}"

    /// (label, scene text, what every rejection must mention; nil: a valid scene).
    static func cases(_ s: Scratch) throws -> [(String, String, String?)] {
        let pick = pickCube
        // The scenes lie in scenes/, the escape target beside it in outside/.
        for d in ["outside", "scenes"] { try FileManager.default.createDirectory(atPath: s.file(d), withIntermediateDirectories: true) }
        try "v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n".write(
            toFile: s.file("outside/escape.obj"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: s.file("scenes/linked.obj"), withDestinationPath: s.file("outside/escape.obj"))
        func mesh(_ file: String) -> String {
            pick.replacingOccurrences(
                of: "objects:\n", with: "objects:\n  - {name: m, asset: mesh, file: \(file), mass: 0.05, position: [0.6, 0.2]}\n")
        }
        return [
            ("valid", pick, nil),
            (
                "unknown embodiment", pick.replacingOccurrences(of: robot, with: robot.replacingOccurrences(of: "franka", with: "frnaka")),
                "not registered"
            ),
            (
                "joint count", pick.replacingOccurrences(of: robot, with: "  - {name: robot, embodiment: franka, joints: [0, 0, 0]}"),
                "robots[robot].joints"
            ),
            (
                "joint range",
                pick.replacingOccurrences(of: robot, with: "  - {name: robot, embodiment: franka, joints: [10, 0, 0, -2, 0, 2, 0.8, 0.04, 0.04]}"),
                "robots[robot].joints[0]"
            ),
            (
                "camera link", pick.replacingOccurrences(of: "cameras:\n", with: "cameras:\n  - {name: eye, mount: {robot: robot, link: hadn}}\n"),
                "cameras[0].mount.link"
            ),
            (
                "camera robot", pick.replacingOccurrences(of: "cameras:\n", with: "cameras:\n  - {name: eye, mount: {robot: nobody, link: hand}}\n"),
                "cameras[0].mount.robot"
            ),
            ("time limit", pick.replacingOccurrences(of: "time_limit: 15", with: "time_limit: 1e308"), "task.time_limit"),
            ("time step", pick + "physics: {time_step: 1e-9}\n", "physics.time_step"),
            (
                "object in the table", pick.replacingOccurrences(of: "position: [0.5, 0.0]\n", with: "position: [0.5, 0.0, 0.735]\n"),
                "objects[0].position"
            ),
            ("missing mesh", mesh("nope.obj"), "objects[0].file"),
            ("mesh by ..", mesh("../outside/escape.obj"), "objects[0].file"),
            ("mesh through a link", mesh("linked.obj"), "symbolic link leading outside"),
            ("randomisation", pick.replacingOccurrences(of: "x: [-0.05, 0.05]", with: "x: [-1e5, 1e5]"), "objects[0].randomize.x"),
        ]
    }

    @Test func sceneCheckSimAndEvalAgree() throws {
        let s = try Scratch("parity")
        defer { s.remove() }
        for (i, (label, text, expected)) in try Self.cases(s).enumerated() {
            #expect(text != Self.pickCube || expected == nil, "\(label): the fixture changed and the case does not apply")
            try s.write("scenes/s\(i).yaml", text)
            let check = try runBenchtop(["scene", "check", s.file("scenes/s\(i).yaml")])
            let sim = try runBenchtop(["sim", s.file("scenes/s\(i).yaml"), "--steps", "10"])
            let eval = try runBenchtop(
                ["eval", s.file("scenes/s\(i).yaml"), "--episodes", "1", "--horizon", "2", "--no-video", "--no-panels", "--out", s.file("out\(i)")],
                timeout: 120)
            for (command, run) in [("scene check", check), ("sim", sim), ("eval", eval)] {
                if let expected {
                    #expect(run.verdict == .cleanError, "\(label): \(command) \(run.verdict.rawValue): \(run.output.suffix(300))")
                    #expect(run.output.contains(expected), "\(label): \(command) does not mention '\(expected)': \(run.output.prefix(300))")
                } else {
                    #expect(run.verdict == .accepted, "\(label): \(command) \(run.verdict.rawValue): \(run.output.suffix(300))")
                }
            }
        }
        // What only eval needs: a task. The scene is valid for check and sim.
        try s.write("notask.yaml", String(Self.pickCube[..<Self.pickCube.range(of: "task:")!.lowerBound]))
        #expect(try runBenchtop(["scene", "check", s.file("notask.yaml")]).verdict == .accepted)
        #expect(try runBenchtop(["sim", s.file("notask.yaml"), "--steps", "10"]).verdict == .accepted)
        let eval = try runBenchtop(["eval", s.file("notask.yaml"), "--episodes", "1", "--no-video", "--no-panels", "--out", s.file("o")])
        #expect(eval.verdict == .cleanError && eval.output.contains("has no task block"), "\(eval.output.suffix(300))")
    }
}
