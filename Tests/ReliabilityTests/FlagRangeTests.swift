import Foundation
import Testing

/// Every numeric flag of record, replay, dataset, render, depth, sim, view, scene vary and the remote-policy options
/// is checked up front: a value outside its range is refused with the flag's name and the range, and a flag that
/// does not apply to the chosen mode is refused instead of ignored. Nothing is loaded, run or written first.
@Suite struct FlagRangeTests {
    func expectRefused(_ args: [String], _ words: [String]) throws {
        let s = try Scratch("flags")
        defer { s.remove() }
        let run = try runBenchtop(args.map { $0.replacingOccurrences(of: "@", with: s.path) }, timeout: 60)
        let label = args.joined(separator: " ")
        #expect(run.verdict == .cleanError, "\(label): \(run.verdict.rawValue) (status \(run.status)): \(run.output.suffix(300))")
        for w in words { #expect(run.output.contains(w), "\(label): expected '\(w)' in: \(run.output.prefix(400))") }
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: s.file("out")), "\(label): wrote its output folder")
    }

    @Test func recordFlags() throws {
        let record = ["record", "pick_cube", "--out", "@/out"]
        try expectRefused(record + ["--episodes=-1"], ["--episodes: expected 1 ... 1000000, got -1"])
        try expectRefused(record + ["--episodes", "0"], ["--episodes: expected 1 ... 1000000"])
        try expectRefused(record + ["--attempts", "0"], ["--attempts: expected 1 ... 1000000"])
        try expectRefused(record + ["--fps", "0"], ["--fps: expected 1 ... 1000 frames per second, got 0"])
        try expectRefused(record + ["--image-size", "100000"], ["--image-size: expected 16 ... 4096 pixels"])
        try expectRefused(record + ["--episode-time", "1e308"], ["--episode-time: expected 0.1 ... 3600.0 s"])
        try expectRefused(record + ["--episode-time", "nan"], ["--episode-time"])
        try expectRefused(record + ["--noise=-1"], ["--noise: expected 0.0 ... 0.1 m"])
        try expectRefused(record + ["--seed", "18446744073709551615", "--episodes", "2"], ["--seed: expected at most", "64 bits"])
        try expectRefused(record + ["--seed", "18446744073709551615", "--attempts", "2"], ["--seed: expected at most 18446744073709551614"])
        try expectRefused(record + ["--teleop", "joystick"], ["--teleop: expected one of scripted, keyboard, gamepad"])
        try expectRefused(record + ["--format", "v9"], ["--format: expected one of"])
        // Flags of another mode.
        try expectRefused(record + ["--frames", "3"], ["--frames only applies with --teleop keyboard or gamepad"])
        try expectRefused(record + ["--reset-time", "1"], ["--reset-time only applies with --teleop keyboard or gamepad"])
        try expectRefused(record + ["--teleop", "keyboard", "--noise", "0.01"], ["--noise only applies with --teleop scripted"])
        try expectRefused(record + ["--teleop", "gamepad", "--keep-failures"], ["--keep-failures only applies with --teleop scripted"])
        try expectRefused(record + ["--attempts", "4", "--episodes", "3"], ["--episodes only applies without --attempts"])
    }

    @Test func replayAndDatasetFlags() throws {
        try expectRefused(["replay", "@/none", "--episode=-1"], ["--episode: expected 0 ... 100000000, got -1"])
        try expectRefused(["replay", "@/none", "--frames", "5"], ["--frames only applies with --view"])
        try expectRefused(["replay", "@/none", "--view", "--frames", "0"], ["--frames: expected 1 ..."])
        try expectRefused(["replay", "@/none", "--scene", "pick_cube"], ["--scene only applies with --robot"])
        try expectRefused(["replay", "@/none", "--mode", "joint_position"], ["--mode only applies with --robot"])
        try expectRefused(["replay", "@/none", "--robot", "franka", "--per-step"], ["--per-step only applies when replaying a Benchtop recording"])
        try expectRefused(["dataset", "molmoact", "@/none", "--format", "v3.0"], ["--format only applies with --lerobot-v1"])
        try expectRefused(["dataset", "molmoact", "@/none", "--lerobot-v1", "--format", "v4"], ["--format: expected one of v3.0, v2.1"])
    }

    @Test func renderDepthSimViewAndVaryFlags() throws {
        try expectRefused(["render", "pick_cube", "--out", "@/out", "--steps=-5"], ["--steps: expected 0 ... 100000000, got -5"])
        try expectRefused(["render", "pick_cube", "--out", "@/out", "--steps", "9223372036854775807"], ["--steps: expected 0 ... 100000000"])
        try expectRefused(["render", "pick_cube", "--out", "@/out", "--shadow-map", "100000"], ["--shadow-map: expected 0 ... 8192 texels"])
        try expectRefused(
            ["render", "pick_cube", "--out", "@/out", "--no-robots", "--robot", "franka"], ["--robot only applies without --no-robots"])
        try expectRefused(["sim", "pick_cube", "--no-robots", "--robot", "so101"], ["--robot only applies without --no-robots"])
        try expectRefused(["view", "pick_cube", "--size", "100000x100000"], ["--size must look like 1280x800"])
        try expectRefused(["view", "pick_cube", "--steps-per-frame", "1000000000"], ["--steps-per-frame: expected 0 ... 100000"])
        try expectRefused(["depth", "encode", "@/x.png", "--camera", "side"], ["--camera only applies with a scene input"])
        try expectRefused(["depth", "encode", "@/x.png", "--seed", "3", "--raycast"], ["--seed, --raycast only apply with a scene input"])
        try expectRefused(["depth", "decode", "1 2 3", "--out", "@/out.png", "--camera", "side"], ["--camera only applies with --scene"])
        try expectRefused(["scene", "vary", "pick_cube", "--axis", "lighting", "--level", "9"], ["--level: expected 0 ... 3, got 9"])
        try expectRefused(["scene", "vary", "pick_cube", "--axis", "lighting", "--out", "@/out"], ["--out only applies with --render"])
        try expectRefused(["tokenizer", "train", "--layouts", "0", "--out", "@/out"], ["--layouts: expected 1 ... 10000"])
        try expectRefused(["molmoact", "parse", "@/none", "--steps", "0"], ["--steps: expected 1 ... 1000"])
    }

    @Test func remotePolicyOptions() throws {
        let eval = ["eval", "pick_cube", "--out", "@/out", "--episodes", "1"]
        let remote = eval + ["--policy", "openpi=ws://127.0.0.1:9"]
        try expectRefused(remote + ["--policy-max-response-mb", "1e300"], ["--policy-max-response-mb: expected 0.001 ... 4096.0 MiB"])
        try expectRefused(remote + ["--policy-timeout", "inf"], ["--policy-timeout: expected 0.001 ... 86400.0 s"])
        try expectRefused(remote + ["--policy-timeout", "nan"], ["--policy-timeout"])
        try expectRefused(remote + ["--policy-retries=-1"], ["--policy-retries: expected 0 ... 1000"])
        try expectRefused(eval + ["--policy-retries", "3"], ["--policy-retries only applies with a remote --policy"])
    }
}
