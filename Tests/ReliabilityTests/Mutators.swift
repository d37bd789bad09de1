import Foundation

/// SplitMix64: the fuzz suite's own seeded generator (same seed, same cases).
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// The kinds of input the fuzz suite mutates, each with its seed document and the command that reads it.
enum InputKind: String, CaseIterable, Sendable {
    case scene, urdf, manifest, perturbation, sweep
    case commandLine = "cli"
}

/// One generated case: files to write into a fresh folder and the command line (`@` stands for the folder).
struct FuzzCase: Sendable {
    var kind: InputKind
    var seed: UInt64
    var mutations: [String]
    var files: [String: Data]
    var arguments: [String]

    /// The command with `@` replaced by `folder`.
    func arguments(in folder: String) -> [String] { arguments.map { $0.replacingOccurrences(of: "@", with: folder) } }
}

/// Seeded mutators per input kind: numbers replaced by extremes, lines deleted, duplicated or swapped, keys
/// misspelt, truncation, random and binary bytes, plus each format's own attacks (YAML alias bombs and deep
/// nesting, XML entities and DOCTYPEs, huge URDFs, paths leaving the plugin folder, flags that do not apply).
enum Mutators {
    static let extremes = [
        "0", "-0", "-1", "1e308", "-1e308", "1e-300", "1e-9", "nan", ".nan", ".inf", "-.inf", "9223372036854775807",
        "-9223372036854775808", "18446744073709551615", "18446744073709551616", "1e9", "1000000", "3.5", "-7",
        "abc", "[]", "{}", "~", "\"\"", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "0x10", "1_000", "true",
    ]

    static func seedText(_ kind: InputKind) -> String {
        func read(_ path: String) -> String { (try? String(contentsOfFile: "\(repositoryRoot)/\(path)", encoding: .utf8)) ?? "" }
        switch kind {
        case .scene: return read("scenes/pick_cube.yaml")
        case .urdf: return read("Tests/EmbodimentConformanceTests/Fixtures/toy_arm/toy_arm.urdf")
        case .manifest: return read("Tests/EmbodimentConformanceTests/Fixtures/toy_arm/embodiment.yaml")
        case .perturbation: return read("perturbations/pick_cube_trace.yaml")
        case .sweep:
            return
                "scene: pick_cube\npolicy: builtin\nepisodes: 2\nseed: 0\nhorizon: 3\nrender_observations: false\npictures: false\naxes:\n  lighting: [1]\n  physics: all\n"
        case .commandLine: return ""
        }
    }

    static func make(_ kind: InputKind, seed: UInt64) -> FuzzCase {
        var rng = FuzzRandom(seed: seed ^ UInt64(InputKind.allCases.firstIndex(of: kind)!) << 56)
        if kind == .commandLine { return commandLine(seed: seed, &rng) }
        var text = seedText(kind)
        var applied: [String] = []
        var bytes: Data?
        for _ in 0..<(1 + rng.below(3)) {
            let (name, result) = mutate(text, kind: kind, &rng)
            applied.append(name)
            switch result {
            case .text(let t): text = t
            case .bytes(let b): bytes = b
            }
            if bytes != nil { break }
        }
        let data = bytes ?? Data(text.utf8)
        switch kind {
        case .scene:
            return FuzzCase(kind: kind, seed: seed, mutations: applied, files: ["scene.yaml": data], arguments: ["scene", "check", "@/scene.yaml"])
        case .urdf:
            return FuzzCase(kind: kind, seed: seed, mutations: applied, files: ["robot.urdf": data], arguments: ["check", "urdf", "@/robot.urdf"])
        case .manifest:
            let urdf = Data(seedText(.urdf).utf8)
            return FuzzCase(
                kind: kind, seed: seed, mutations: applied,
                files: ["plugin/embodiment.yaml": data, "plugin/toy_arm.urdf": urdf, "secret.txt": Data("FUZZ-SECRET\n".utf8)],
                arguments: ["check", "plugin", "@/plugin"])
        case .perturbation:
            return FuzzCase(kind: kind, seed: seed, mutations: applied, files: ["p.yaml": data], arguments: ["check", "perturbation", "@/p.yaml"])
        case .sweep: return FuzzCase(kind: kind, seed: seed, mutations: applied, files: ["s.yaml": data], arguments: ["check", "sweep", "@/s.yaml"])
        case .commandLine: fatalError("handled above")
        }
    }

    enum Result {
        case text(String)
        case bytes(Data)
    }

    static func mutate(_ text: String, kind: InputKind, _ rng: inout FuzzRandom) -> (String, Result) {
        var lines = text.components(separatedBy: "\n")
        switch rng.below(kind == .urdf ? 13 : 12) {
        case 0, 1, 2:  // a number replaced by an extreme
            let spans = numberSpans(Array(text.utf8), anywhere: kind == .urdf)
            guard !spans.isEmpty else { return ("none", .text(text)) }
            let value = rng.pick(extremes)
            return (
                "number->\(value)",
                .text(replacing(rng.pick(spans), in: text, with: kind == .urdf ? value.replacingOccurrences(of: "\"", with: "") : value))
            )
        case 3:
            guard !lines.isEmpty else { return ("none", .text(text)) }
            lines.remove(at: rng.below(lines.count))
            return ("delete line", .text(lines.joined(separator: "\n")))
        case 4:
            let i = rng.below(lines.count)
            lines.insert(lines[i], at: i)
            return ("duplicate line", .text(lines.joined(separator: "\n")))
        case 5:
            let i = rng.below(lines.count)
            let j = rng.below(lines.count)
            lines.swapAt(i, j)
            return ("swap lines", .text(lines.joined(separator: "\n")))
        case 6:  // a key misspelt: one character dropped
            let spans = keySpans(Array(text.utf8), before: kind == .urdf ? UInt8(ascii: "=") : UInt8(ascii: ":"))
            guard !spans.isEmpty else { return ("none", .text(text)) }
            let span = rng.pick(spans)
            var key = Array(text.utf8)[span]
            key.remove(at: key.startIndex + rng.below(key.count))
            let typo = String(decoding: key, as: UTF8.self)
            return ("typo \(typo)", .text(replacing(span, in: text, with: typo)))
        case 7:
            let cut = rng.below(text.utf8.count + 1)
            return ("truncate at \(cut)", .bytes(Data(text.utf8.prefix(cut))))
        case 8:  // random bytes, binary included, at a random place
            var data = Data(text.utf8)
            let junk = Data((0..<(1 + rng.below(64))).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            data.insert(contentsOf: junk, at: rng.below(data.count + 1))
            return ("insert \(junk.count) random bytes", .bytes(data))
        case 9:
            return ("empty", .bytes(Data()))
        default:
            return formatAttack(text, kind: kind, &rng)
        }
    }

    // Linear scans (regular expressions backtrack quadratically on the long runs that earlier mutations make).

    /// Byte ranges of numbers: after one of `: [ , ` (or anywhere, for XML attributes).
    static func numberSpans(_ b: [UInt8], anywhere: Bool) -> [Range<Int>] {
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        var spans: [Range<Int>] = []
        var i = 0
        while i < b.count {
            let start = i
            if b[i] == UInt8(ascii: "-") && i + 1 < b.count && isDigit(b[i + 1]) { i += 1 }
            guard isDigit(b[i]),
                anywhere || (start > 0 && [UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: " ")].contains(b[start - 1])),
                start == 0 || !isDigit(b[start - 1])
            else {
                i = start + 1
                continue
            }
            while i < b.count, isDigit(b[i]) || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { i += 1 }
            spans.append(start..<i)
        }
        return spans
    }

    /// Byte ranges of keys: runs of at least three of `a-z _` directly before `terminator`.
    static func keySpans(_ b: [UInt8], before terminator: UInt8) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var i = 0
        while i < b.count {
            let start = i
            while i < b.count, (b[i] >= 0x61 && b[i] <= 0x7A) || b[i] == UInt8(ascii: "_") { i += 1 }
            if i - start >= 3, i < b.count, b[i] == terminator { spans.append(start..<i) }
            if i == start { i += 1 }
        }
        return spans
    }

    static func replacing(_ span: Range<Int>, in text: String, with replacement: String) -> String {
        let b = Array(text.utf8)
        return String(decoding: b[..<span.lowerBound] + Array(replacement.utf8) + b[span.upperBound...], as: UTF8.self)
    }

    static func formatAttack(_ text: String, kind: InputKind, _ rng: inout FuzzRandom) -> (String, Result) {
        switch kind {
        case .urdf:
            switch rng.below(5) {
            case 0:
                return (
                    "DOCTYPE file entity",
                    .text(
                        "<!DOCTYPE robot [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                            + text.replacingOccurrences(of: "name=\"base\"", with: "name=\"&x;\""))
                )
            case 1:
                let entities = (1...9).map { "<!ENTITY e\($0) \"" + String(repeating: "&e\($0 - 1);", count: 10) + "\">" }.joined()
                return ("entity expansion bomb", .text("<!DOCTYPE r [<!ENTITY e0 \"lol\">\(entities)]>" + text))
            case 2:
                let n = 300 + rng.below(900)
                var chain = "<robot name=\"big\"><link name=\"l0\"/>"
                for i in 1..<n {
                    chain +=
                        "<link name=\"l\(i)\"><collision><geometry><box size=\"0.1 0.1 0.1\"/></geometry></collision></link><joint name=\"j\(i)\" type=\"revolute\"><parent link=\"l\(i - 1)\"/><child link=\"l\(i)\"/><limit lower=\"-1\" upper=\"1\" effort=\"1\" velocity=\"1\"/></joint>"
                }
                return ("\(n)-link chain", .text(chain + "</robot>"))
            case 3:
                let depth = 100 + rng.below(100_000)
                return ("nesting \(depth)", .text(String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)))
            default:
                return ("unknown entity", .text(text.replacingOccurrences(of: "name=\"base\"", with: "name=\"&nbsp;\"")))
            }
        default:
            switch rng.below(kind == .manifest ? 5 : 3) {
            case 0:
                var bomb = "b0: &b0 [x, x, x, x, x, x, x, x, x]\n"
                for i in 1...(4 + rng.below(6)) {
                    bomb += "b\(i): &b\(i) [" + Array(repeating: "*b\(i - 1)", count: 9).joined(separator: ", ") + "]\n"
                }
                return ("alias bomb", .text(bomb + text))
            case 1:
                let depth = 10 + rng.below(5000)
                return ("nesting \(depth)", .text("x: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n" + text))
            case 2:
                return ("huge scalar", .text("name: " + String(repeating: "y", count: 200_000) + "\n" + text))
            case 3:
                return (
                    "urdf outside",
                    .text(
                        text.replacingOccurrences(
                            of: "urdf: toy_arm.urdf",
                            with: "urdf: "
                                + rng.pick(["../secret.txt", "/etc/passwd", "/proc/self/environ", "/dev/zero", ".", "", "toy_arm.urdf/.."])))
                )
            default:
                return ("tcp_offset typo", .text(text.replacingOccurrences(of: "tcp_offset", with: "tcp_ofset")))
            }
        }
    }

    /// `eval` and `sim` with flag values from extremes, and flags that do not apply. Values that would be
    /// accepted are kept small so an accepted case runs in seconds.
    static func commandLine(seed: UInt64, _ rng: inout FuzzRandom) -> FuzzCase {
        var args: [String]
        var applied: [String] = []
        let mode = rng.below(10)
        if mode < 4 {
            return otherCommandLine(seed: seed, &rng)
        } else if mode < 6 {
            args = [
                "sim", "pick_cube", "--steps", rng.pick(["-1", "0", "5", "1000000000000", "x", "9223372036854775807"]),
                "--seed", rng.pick(["0", "-1", "18446744073709551615", "18446744073709551616"]),
            ]
            if rng.chance(0.5) { args += ["--json", "--every", rng.pick(["0", "-3", "1", "2"])] }
            if rng.chance(0.2) { args += ["--robot", rng.pick(["franka", "frnaka", "", "so101"])] }
            applied = ["sim flags"]
        } else {
            args = ["eval", rng.pick(["pick_cube", "push_to_target", "nope", "/dev/null"]), "--no-video", "--no-panels", "--out", "@/out"]
            let options: [(String, [String])] = [
                ("--episodes", ["-1", "0", "1", "2", "1000000000000", "9223372036854775807", "x", "1e3"]),
                ("--horizon", ["-5", "0", "1", "2", "2000000", "9223372036854775807"]),
                ("--action-steps", ["0", "1", "8", "1000000000", "-2"]),
                ("--seed", ["0", "18446744073709551615", "18446744073709551614", "-1", "abc"]),
                ("--control-rate", ["0", "-1", "1e308", "nan", "15", "inf"]),
                ("--timing", ["paused", "real-time", "warp"]),
                ("--frames", ["3"]), ("--screenshot", ["x.png"]), ("--shard", ["1/2", "3/2", "0/0"]), ("--workers", ["0", "2"]),
                ("--norm-stats", ["x.json"]), ("--robot", ["franka", "so101", "nobody"]), ("--mode", ["nope", "joint_position"]),
            ]
            for (flag, values) in options where rng.chance(0.35) {
                let v = rng.pick(values)
                args += [flag, v]
                applied.append("\(flag) \(v)")
            }
            // Accepted runs stay short: bounded episodes and horizon unless the case already breaks them.
            if !args.contains("--episodes") { args += ["--episodes", "1"] }
            if !args.contains("--horizon") { args += ["--horizon", "2"] }
        }
        return FuzzCase(kind: .commandLine, seed: seed, mutations: applied, files: [:], arguments: args)
    }

    /// record, replay, render, depth, scene vary and dataset flags: extremes, seeds that overflow and flags of
    /// another mode. An accepted record tries one short episode at 32 px; the other commands read nothing big.
    static func otherCommandLine(seed: UInt64, _ rng: inout FuzzRandom) -> FuzzCase {
        let numbers = ["-1", "0", "1", "2", "1000000000", "9223372036854775807", "1e308", "nan", "x"]
        let commands: [(base: [String], options: [(String, [String])])] = [
            (
                ["record", "pick_cube", "--out", "@/rec", "--image-size", "32", "--episode-time", "0.2", "--attempts", "1"],
                [
                    ("--seed", ["0", "18446744073709551615", "-1"]), ("--fps", ["0", "15", "100000"]), ("--image-size", numbers),
                    ("--episode-time", ["0", "1e308", "nan", "-3"]), ("--noise", ["-1", "1e300", "0.001"]), ("--teleop", ["keyboard", "joystick"]),
                    ("--frames", ["3"]), ("--reset-time", ["1e308"]), ("--format", ["v2.1", "v9"]), ("--style", ["molmoact", "x"]),
                ]
            ),
            (
                ["replay", "@/none"],
                [
                    ("--episode", numbers), ("--frames", numbers), ("--screenshot", ["@/x.png"]), ("--scene", ["pick_cube"]),
                    ("--robot", ["franka", "nobody"]), ("--mode", ["joint_position"]),
                ]
            ),
            (
                ["render", "pick_cube", "--out", "@/render", "--camera", "primary"],
                [("--steps", numbers), ("--shadow-map", numbers), ("--seed", ["18446744073709551615"]), ("--no-robots", [])]
            ),
            (
                ["depth", "encode", "@/none.png"],
                [("--camera", ["side"]), ("--seed", ["1"]), ("--raycast", []), ("--vqvae", ["@/none.safetensors"])]
            ),
            (["scene", "vary", "pick_cube", "--axis", "lighting"], [("--level", numbers), ("--out", ["@/vary"]), ("--render", [])]),
            (["dataset", "molmoact", "@/none"], [("--format", ["v3.0", "v4"]), ("--lerobot-v1", [])]),
        ]
        let (base, options) = commands[rng.below(commands.count)]
        var args = base
        var applied: [String] = []
        for (flag, values) in options where rng.chance(0.4) {
            if values.isEmpty {
                args.append(flag)
                applied.append(flag)
            } else {
                let v = rng.pick(values)
                // `--flag=-1`: a separate "-1" would be read as a flag.
                args.append(v.hasPrefix("-") ? "\(flag)=\(v)" : flag)
                if !v.hasPrefix("-") { args.append(v) }
                applied.append("\(flag) \(v)")
            }
        }
        if base[0] == "render" && args.contains("--no-robots") && rng.chance(0.5) { args += ["--robot", "franka"] }
        return FuzzCase(kind: .commandLine, seed: seed, mutations: applied, files: [:], arguments: args)
    }
}
