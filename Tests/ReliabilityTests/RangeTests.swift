import Foundation
import Testing

/// The crash sites and bombs found by hand (issue 18): each is refused up front with the file, the key path
/// and the expected range, by the real binary, without a crash, a hang or a memory blow-up.
@Suite struct RangeTests {
    static let pickCube = (try? String(contentsOfFile: "\(repositoryRoot)/scenes/pick_cube.yaml", encoding: .utf8)) ?? ""

    func expectClean(_ run: BinaryRun, _ words: [String], _ label: String) {
        #expect(run.verdict == .cleanError, "\(label): \(run.verdict.rawValue) (status \(run.status)): \(run.output.suffix(400))")
        for w in words { #expect(run.output.contains(w), "\(label): expected '\(w)' in: \(run.output.prefix(400))") }
    }

    @Test func sceneNumbersOutsideTheirRanges() throws {
        let s = try Scratch("scene-ranges")
        defer { s.remove() }
        let cases: [(String, String, String)] = [
            ("time_limit: 15", "time_limit: 1e308", "task.time_limit"),
            ("time_limit: 15", "time_limit: 1e9", "task.time_limit"),
            ("time_limit: 15", "time_limit: 15\nphysics: {time_step: 1e-300}", "physics.time_step"),
            ("time_limit: 15", "time_limit: 15\nphysics: {time_step: 1e-9}", "physics.time_step"),
            ("position: [0.5, 0.0]\n", "position: [0.5, 0.0, 0.735]\n", "objects[0].position"),
            ("fov: 50, resolution: [256, 256]}\n  - {name: side", "fov: 50, resolution: [256, 256], far: 1e308}\n  - {name: side", "cameras[0].far"),
            ("fov: 50, resolution: [256, 256]}\n  - {name: side", "fov: 180, resolution: [256, 256]}\n  - {name: side", "cameras[0].fov"),
            ("fov: 50, resolution: [256, 256]}\n  - {name: side", "fov: 0, resolution: [256, 256]}\n  - {name: side", "cameras[0].fov"),
            ("fov: 50, resolution: [256, 256]}\n  - {name: side", "fov: 50, resolution: [0, 256]}\n  - {name: side", "cameras[0].resolution"),
            ("mass: 0.1", "mass: 1e300", "objects[0].mass"),
            ("x: [-0.05, 0.05]", "x: [-1e300, 1e300]", "objects[0].randomize.x"),
            ("x: [-0.05, 0.05]", "x: [-1e5, 1e5]", "objects[0].randomize.x"),
        ]
        for (i, (from, to, key)) in cases.enumerated() {
            #expect(Self.pickCube.contains(from), "fixture changed: \(from)")
            try s.write("s\(i).yaml", Self.pickCube.replacingOccurrences(of: from, with: to))
            expectClean(try runBenchtop(["scene", "check", s.file("s\(i).yaml")]), ["s\(i).yaml", key], to)
        }
    }

    /// `scene check` builds the world as `sim` does, so it rejects what `sim` rejects.
    @Test func sceneCheckRejectsWhatSimRejects() throws {
        let s = try Scratch("scene-sim")
        defer { s.remove() }
        let robot = "  - {name: robot, embodiment: franka, position: [0.0, 0.0, 0.75]}"
        let cases: [(String, String, String)] = [
            (robot, "  - {name: robot, embodiment: frnaka, position: [0.0, 0.0, 0.75]}", "not registered"),
            (robot, "  - {name: robot, embodiment: franka, joints: [0, 0, 0]}", "expected 9 joint positions"),
            (robot, "  - {name: robot, embodiment: franka, joints: [10, 0, 0, -2, 0, 2, 0.8, 0.04, 0.04]}", "outside"),
            ("cameras:\n", "cameras:\n  - {name: eye, mount: {robot: robot, link: hadn}}\n", "does not have (did you mean 'hand'?)"),
            ("cameras:\n", "cameras:\n  - {name: hand, mount: {robot: nobody, link: panda_hand}}\n", "no robot named 'nobody'"),
        ]
        for (i, (from, to, message)) in cases.enumerated() {
            #expect(Self.pickCube.contains(from), "fixture changed: \(from)")
            try s.write("s\(i).yaml", Self.pickCube.replacingOccurrences(of: from, with: to))
            let check = try runBenchtop(["scene", "check", s.file("s\(i).yaml")])
            let sim = try runBenchtop(["sim", s.file("s\(i).yaml"), "--steps", "10"])
            expectClean(check, [message], "scene check: \(to)")
            expectClean(sim, [], "sim: \(to)")
        }
    }

    @Test func manifestRangesTyposAndBombs() throws {
        let s = try Scratch("manifest")
        defer { s.remove() }
        let plugin = try copyToyPlugin(into: s)
        let manifest = try String(contentsOfFile: "\(plugin)/embodiment.yaml", encoding: .utf8)
        let camera = "fov: 50, resolution: [640, 480]"
        let cases: [(String, String, String)] = [
            ("tcp_offset:", "tcp_ofset:", "arms[0].tcp_ofset: unknown key 'tcp_ofset' (did you mean 'tcp_offset'?)"),
            ("summary:", "sumary:", "did you mean 'summary'?"),
            (camera, "fov: 0, resolution: [640, 480]", "cameras[0].fov"),
            (camera, "fov: 180, resolution: [640, 480]", "cameras[0].fov"),
            (camera, "fov: 1000, resolution: [640, 480]", "cameras[0].fov"),
            (camera, "fov: 50, resolution: [0, 480]", "cameras[0].resolution[0]"),
            (camera, "fov: 50, resolution: [1e300, 480]", "cameras[0].resolution[0]"),
            ("motor_gains: {position: 0.3, velocity: 1.0}", "motor_gains: {position: -0.3, velocity: 1.0}", "motor_gains.position"),
            ("motor_gains: {position: 0.3, velocity: 1.0}", "motor_gains: {position: 0.3, velocity: -1.0}", "motor_gains.velocity"),
            ("rate: 30", "rate: 0", "control_modes[0].rate"),
            ("joint_unit: deg", "joint_unit: grad", "control_modes[0].joint_unit"),
            ("home: [0.0, 0.3]", "home: [10.0, 0.3]", "arms[0].home[0]"),
        ]
        for (from, to, message) in cases {
            #expect(manifest.contains(from), "fixture changed: \(from)")
            try manifest.replacingOccurrences(of: from, with: to).write(toFile: "\(plugin)/embodiment.yaml", atomically: true, encoding: .utf8)
            expectClean(try runBenchtop(["check", "plugin", plugin]), ["embodiment.yaml", message], to)
        }
        // A billion-laughs alias bomb: refused by the node budget, in bounded memory and time.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
        try (bomb + manifest).write(toFile: "\(plugin)/embodiment.yaml", atomically: true, encoding: .utf8)
        let run = try runBenchtop(["check", "plugin", plugin], timeout: 20, memoryLimit: 512 << 20)
        expectClean(run, ["more than 100000 YAML nodes"], "alias bomb")
    }

    @Test func specNumbersOutsideTheirRanges() throws {
        let s = try Scratch("specs")
        defer { s.remove() }
        let perturbations: [(String, String)] = [
            ("actions: {noise: 1e300}", "actions.noise"),
            ("actions: {delay: 9223372036854775807}", "actions.delay"),
            ("observation: {blur: 1000000}", "observation.blur"),
            ("depth_tokens: {shift: [1e300, 0]}", "depth_tokens.shift"),
            ("depth_tokens: {mask: [0, 0, 1e300, 2]}", "depth_tokens.mask"),
            ("trace: {rotate: 1e300}", "trace.rotate"),
            ("start: 9223372036854775807\n    actions: {noise: 0.1}", "start"),
        ]
        for (i, (body, key)) in perturbations.enumerated() {
            try s.write("p\(i).yaml", "perturbations:\n  - name: p\n    \(body)\n")
            expectClean(try runBenchtop(["check", "perturbation", s.file("p\(i).yaml")]), ["p\(i).yaml", key], body)
        }
        for (i, name) in ["..", ".", "../x", "a/b", ".hidden"].enumerated() {
            try s.write("n\(i).yaml", "perturbations:\n  - name: '\(name)'\n    actions: {noise: 0.1}\n")
            expectClean(try runBenchtop(["check", "perturbation", s.file("n\(i).yaml")]), ["perturbations[0].name"], name)
        }
        let sweeps: [(String, String)] = [
            ("episodes: 1000000000000", "episodes"),
            ("episodes: 500000\naxes: {lighting: all, camera: all}", "cells x"),
            ("seed: 18446744073709551615\nepisodes: 2", "seed"),
            ("horizon: -5", "horizon"),
            ("action_steps: 1000000000", "action_steps"),
            ("control_rate: 1e308", "control_rate"),
            ("episodse: 3", "did you mean 'episodes'?"),
        ]
        for (i, (body, key)) in sweeps.enumerated() {
            let axes = body.contains("axes:") ? "" : "axes: {lighting: [1]}\n"
            try s.write("w\(i).yaml", "scene: pick_cube\n\(body)\n\(axes)")
            expectClean(try runBenchtop(["check", "sweep", s.file("w\(i).yaml")]), ["w\(i).yaml", key], body)
        }
    }

    @Test func commandLineNumbersAndFlagsThatDoNotApply() throws {
        let s = try Scratch("cli")
        defer { s.remove() }
        let out = s.file("out")
        let cases: [([String], String)] = [
            (["--episodes=-1"], "--episodes"), (["--episodes", "0"], "--episodes"), (["--episodes", "1000000000000"], "--episodes"),
            (["--horizon=-5"], "--horizon"), (["--action-steps", "0"], "--action-steps"), (["--action-steps", "1000000000"], "--action-steps"),
            (["--seed", "18446744073709551615", "--episodes", "2"], "--seed"), (["--control-rate", "1e308"], "--control-rate"),
            (["--frames", "3"], "only apply with --view"), (["--screenshot", "x.png"], "only apply with --view"),
            (["--shard", "1/2"], "only apply with --sweep"), (["--norm-stats", "x.json"], "only apply with --policy molmoact"),
        ]
        for (flags, message) in cases {
            let run = try runBenchtop(["eval", "pick_cube", "--no-video", "--no-panels", "--out", out] + flags)
            expectClean(run, [message], flags.joined(separator: " "))
            #expect(!FileManager.default.fileExists(atPath: out), "\(flags): --out was created for a refused command")
        }
        expectClean(try runBenchtop(["sim", "pick_cube", "--steps", "1000000000000"]), ["--steps"], "sim --steps 1e12")
        // A perturbation naming a camera the observations do not have is an error, not a silent no-op.
        try s.write("cam.yaml", "perturbations:\n  - name: blur\n    observation: {blur: 2, cameras: [primray]}\n")
        let run = try runBenchtop(
            [
                "eval", "pick_cube", "--perturb", s.file("cam.yaml"), "--episodes", "1", "--horizon", "1",
                "--no-video", "--no-panels", "--out", s.file("cam-out"),
            ], timeout: 120)
        expectClean(
            run, ["cam.yaml: perturbations[0].observation.cameras[0]: no observation camera named 'primray' (did you mean 'primary'?)"],
            "unknown camera")
        // Caught before the baseline ran (no episode, no variant folder), and by `check perturbation` against the scene.
        #expect(!FileManager.default.fileExists(atPath: s.file("cam-out/baseline")), "the baseline ran before the spec was checked")
        let check = try runBenchtop(["check", "perturbation", s.file("cam.yaml"), "--scene", "pick_cube"])
        expectClean(
            check,
            ["perturbations[0].observation.cameras[0]", "'primray' (did you mean 'primary'?)", "franka in scene pick_cube has: primary, wrist"],
            "check")
        let so101 = try runBenchtop(["check", "perturbation", s.file("cam.yaml"), "--robot", "so101"])
        expectClean(so101, ["perturbations[0].observation.cameras[0]", "so101 in scene pick_cube"], "check --robot so101")
    }
}
