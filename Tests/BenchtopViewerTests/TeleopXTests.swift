import BenchtopTestSupport
import BenchtopViewer
import Foundation
import Testing

/// Keyboard teleoperation driven by real X events (xdotool) in a virtual X server, as a person would record: a
/// scripted operator reads the session's readout (--teleop-log: TCP, cube, view azimuth), holds and releases keys,
/// orbits the view with a mouse drag halfway, and records a successful pick_cube demo in one attempt.
/// Not skipped when Xvfb or xdotool is missing: it fails and says so.
@Suite(.serialized) struct TeleopXTests {
    /// A virtual X server on a display it chose itself (-displayfd), stopped by `deinit`.
    final class VirtualDisplay {
        let process = Process()
        let name: String
        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
            process.arguments = ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var text = ""
            while !text.hasSuffix("\n") {
                let byte = pipe.fileHandleForReading.readData(ofLength: 1)
                guard !byte.isEmpty else { break }
                text += String(decoding: byte, as: UTF8.self)
            }
            name = ":" + text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        deinit { ChildProcess.stop(process) }
    }

    struct Reading {
        var phase: String
        var tick: Int
        var tcp: SIMD3<Double>
        var cube: SIMD3<Double>
        var gripperOpen: Bool
        var success: Bool
        var azimuth: Double
    }

    static func lastReading(_ path: String) -> Reading? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let tcp = json["tcp"] as? [Double], let objects = json["objects"] as? [String: Any],
            let cube = (objects["cube"] as? [String: Any])?["position"] as? [Double]
        else { return nil }
        return Reading(
            phase: json["phase"] as? String ?? "", tick: json["tick"] as? Int ?? 0, tcp: SIMD3(tcp[0], tcp[1], tcp[2]),
            cube: SIMD3(cube[0], cube[1], cube[2]), gripperOpen: json["gripper_open"] as? Bool ?? true,
            success: json["success"] as? Bool ?? false, azimuth: json["view_azimuth"] as? Double ?? 0)
    }

    @Test func aScriptedKeySequenceRecordsASuccessfulPickWithAnOrbitInBetween() throws {
        for tool in ["/usr/bin/Xvfb", "/usr/bin/xdotool"] {
            try #require(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: install xvfb and xdotool (scripts/setup.sh does) to test teleoperation with real X events")
        }
        let display = try VirtualDisplay()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-teleop-x-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/teleop.jsonl"
        let environment = ["DISPLAY": display.name]
        let record = ChildProcess.make(
            try ViewerTests.benchtop(),
            [
                "record", "pick_cube", "--robot", "franka", "--episodes", "1", "--seed", "0", "--teleop", "keyboard",
                "--image-size", "32", "--out", dir + "/demo", "--teleop-log", log,
            ], environment: environment, directory: ViewerTests.root)
        // Its output goes to a file: a pipe nobody reads until the end could fill up and stall the recording.
        let outputFile = dir + "/output.txt"
        FileManager.default.createFile(atPath: outputFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        record.standardOutput = output
        record.standardError = output
        try record.run()
        defer { ChildProcess.stop(record) }

        @discardableResult
        func xdotool(_ arguments: [String]) -> String {
            (try? ChildProcess.run("/usr/bin/xdotool", arguments, environment: environment, timeout: 30).stdout) ?? ""
        }
        var held = Set<String>()
        func hold(_ keys: Set<String>) {
            for k in held.subtracting(keys) { xdotool(["keyup", k]) }
            for k in keys.subtracting(held) { xdotool(["keydown", k]) }
            held = keys
        }
        // Waits (polling the readout) until `done` holds, with a bound on ticks so that a stuck run fails.
        func operate(until done: (Reading) -> Bool, keys: (Reading) -> Set<String>, maxTicks: Int) throws -> Reading {
            var start: Int?
            while record.isRunning {
                if let r = Self.lastReading(log), r.phase == "recording" {
                    start = start ?? r.tick
                    if done(r) {
                        hold([])
                        return r
                    }
                    try #require(r.tick - start! < maxTicks, "the operator did not get there in \(maxTicks) ticks: \(r)")
                    hold(keys(r))
                }
                usleep(30_000)
            }
            hold([])
            Issue.record("benchtop record exited early")
            throw CancellationError()
        }
        // Operator-frame keys towards a world xy point: the readout's azimuth says where "away from me" is.
        func keysToward(_ goal: SIMD2<Double>, _ r: Reading, tolerance: Double, fine: Bool = true) -> Set<String> {
            let e = goal - SIMD2(r.tcp.x, r.tcp.y)
            let forward = SIMD2(-cos(r.azimuth), -sin(r.azimuth))
            let left = SIMD2(sin(r.azimuth), -cos(r.azimuth))
            let (f, l) = ((e * forward).sum(), (e * left).sum())
            var keys = Set<String>()
            if abs(f) > tolerance { keys.insert(f > 0 ? "w" : "s") }
            if abs(l) > tolerance { keys.insert(l > 0 ? "a" : "d") }
            if fine && abs(f) < 0.03 && abs(l) < 0.03 { keys.insert("shift") }  // Shift: fine motion for the last centimetres
            return keys
        }
        func near(_ r: Reading, _ tolerance: Double) -> Bool {
            let e = SIMD2(r.cube.x - r.tcp.x, r.cube.y - r.tcp.y)
            return (e * e).sum().squareRoot() < tolerance
        }

        // The window, then the ready prompt: nothing is recorded until Enter.
        var window = ""
        for _ in 0..<600 where window.isEmpty {
            window = xdotool(["search", "--name", "Benchtop record"]).split(separator: "\n").first.map(String.init) ?? ""
            if window.isEmpty { usleep(200_000) }
        }
        try #require(!window.isEmpty, "no viewer window appeared")
        xdotool(["windowfocus", window])
        for _ in 0..<1200 where Self.lastReading(log)?.phase != "ready" && record.isRunning { usleep(100_000) }
        try #require(Self.lastReading(log)?.phase == "ready", "the session never showed its ready prompt")
        xdotool(["key", "Return"])

        // Above the cube, then orbit the view with a left drag on the main view and line up again in the new view.
        var r = try operate(until: { near($0, 0.012) }, keys: { keysToward(SIMD2($0.cube.x, $0.cube.y), $0, tolerance: 0.006) }, maxTicks: 150)
        let before = r.azimuth
        // In the main view: right of the 300-pixel panel sidebar, left of the 320-pixel camera column.
        xdotool(["mousemove", "--window", window, "560", "350"])
        xdotool(["mousedown", "1"])
        // The viewer polls the mouse once per frame: pace the drag by ticks so that frames see the press and each step.
        func waitTicks(_ n: Int) {
            let t0 = Self.lastReading(log)?.tick ?? 0
            for _ in 0..<100 where (Self.lastReading(log)?.tick ?? 0) < t0 + n { usleep(30_000) }
        }
        waitTicks(2)
        for dx in stride(from: 20, through: 140, by: 20) {
            xdotool(["mousemove", "--window", window, "\(560 + dx)", "350"])
            waitTicks(1)
        }
        xdotool(["mouseup", "1"])
        var orbited = r
        for _ in 0..<200 where abs(orbited.azimuth - before) <= 0.25 {
            usleep(50_000)
            orbited = Self.lastReading(log) ?? orbited
        }
        #expect(abs(orbited.azimuth - before) > 0.25, "the drag should orbit the view during teleoperation: \(before) -> \(orbited.azimuth)")
        r = try operate(until: { near($0, 0.008) }, keys: { keysToward(SIMD2($0.cube.x, $0.cube.y), $0, tolerance: 0.004) }, maxTicks: 100)

        // Down to the cube (the table guard stops the target 1 cm above the table), keeping the xy line-up.
        r = try operate(
            until: { $0.tcp.z < $0.cube.z + 0.012 },
            keys: { keysToward(SIMD2($0.cube.x, $0.cube.y), $0, tolerance: 0.006, fine: false).union(["f"]) }, maxTicks: 150)
        // Hold Space for a while (X repeats it): one toggle, on release; then wait for the fingers to close.
        xdotool(["keydown", "space"])
        usleep(800_000)
        xdotool(["keyup", "space"])
        let closing = try operate(until: { !$0.gripperOpen }, keys: { _ in [] }, maxTicks: 30)
        _ = try operate(until: { $0.tick >= closing.tick + 12 }, keys: { _ in [] }, maxTicks: 30)
        // Lift until the task's success predicate holds, then save with Right arrow (the last episode closes the window).
        r = try operate(until: { $0.success && !$0.gripperOpen }, keys: { _ in ["r"] }, maxTicks: 150)
        #expect(!r.gripperOpen, "the gripper toggled once and stayed closed")
        xdotool(["key", "Right"])
        for _ in 0..<600 where record.isRunning { usleep(100_000) }
        try #require(!record.isRunning, "benchtop record did not finish after the last episode was saved")
        try? output.close()
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        #expect(record.terminationStatus == 0, "record failed: \(text)")

        // The dataset: one successful episode, under a minute of simulated time.
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/demo/meta/benchtop.json"))) as? [String: Any]
        let episodes = try #require(meta?["episodes"] as? [[String: Any]])
        try #require(episodes.count == 1)
        #expect(episodes[0]["success"] as? Bool == true)
        let rate = try #require(meta?["controlRate"] as? Double)
        let seconds = Double(try #require(episodes[0]["length"] as? Int)) / rate
        #expect(seconds < 60, "the demo took \(seconds) s of simulated time")
    }

    @Test func withoutAGamepadTheSessionSaysSoAndABadMappingFileIsRefused() throws {
        let xvfb = "/usr/bin/xvfb-run"
        try #require(FileManager.default.isExecutableFile(atPath: xvfb), "xvfb-run is missing (Debian: apt-get install xvfb xauth)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-gamepad-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = [
            "-a", "-s", "-screen 0 1280x800x24", try ViewerTests.benchtop(), "record", "pick_cube", "--teleop", "gamepad",
            "--episodes", "1", "--frames", "3", "--no-ready-prompt", "--image-size", "32",
        ]
        let (status, output) = try ViewerTests.run(xvfb, common + ["--out", dir + "/a"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("no gamepad attached"), "\(output)")
        try "not a mapping\n".write(toFile: dir + "/db.txt", atomically: true, encoding: .utf8)
        let (bad, message) = try ViewerTests.run(xvfb, common + ["--out", dir + "/b", "--gamepad-mappings", dir + "/db.txt"])
        #expect(bad != 0)
        #expect(message.contains("no SDL GameControllerDB mapping lines"), "\(message)")
    }

    @Test func withTheMouseDeviceADragThatStartsOnTheMarkerMovesTheTargetNotTheView() throws {
        for tool in ["/usr/bin/Xvfb", "/usr/bin/xdotool"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing (scripts/setup.sh installs it)")
        }
        let display = try VirtualDisplay()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-teleop-mouse-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/teleop.jsonl"
        let environment = ["DISPLAY": display.name]
        let record = ChildProcess.make(
            try ViewerTests.benchtop(),
            [
                "record", "pick_cube", "--robot", "franka", "--episodes", "1", "--teleop", "mouse", "--no-ready-prompt",
                "--image-size", "32", "--out", dir + "/demo", "--teleop-log", log,
            ], environment: environment, directory: ViewerTests.root)
        let outputFile = dir + "/output.txt"
        FileManager.default.createFile(atPath: outputFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        record.standardOutput = output
        record.standardError = output
        try record.run()
        defer { ChildProcess.stop(record) }
        func xdotool(_ arguments: [String]) -> String {
            (try? ChildProcess.run("/usr/bin/xdotool", arguments, environment: environment, timeout: 30).stdout) ?? ""
        }
        var window = ""
        for _ in 0..<600 where window.isEmpty && record.isRunning {
            window = xdotool(["search", "--name", "Benchtop record"]).split(separator: "\n").first.map(String.init) ?? ""
            if window.isEmpty { usleep(200_000) }
        }
        try #require(
            !window.isEmpty,
            "no viewer window appeared (record \(record.isRunning ? "still running" : "exited")): \((try? String(contentsOfFile: outputFile, encoding: .utf8))?.suffix(2000) ?? "")"
        )
        var start: Reading?
        for _ in 0..<600 where start == nil {
            start = Self.lastReading(log).flatMap { $0.phase == "recording" && $0.tick > 2 ? $0 : nil }
            usleep(100_000)
        }
        let before = try #require(start, "the session never started recording")
        // Where the marker (the TCP target) is on screen: the viewer's default orbit camera over the main view, which
        // lies between the panel sidebar (300 pixels) and the camera column (min(width / 4, 320) pixels).
        let marker = try #require(Self.lastTarget(log))
        let (sidebar, column) = (300.0, 320.0)
        let camera = OrbitCamera().pinhole(width: Int(1280 - sidebar - column), height: 800)
        let pixel = try #require(camera.project(marker)).pixel + SIMD2(sidebar, 0)
        // A plain left drag from the marker, 120 pixels to the left.
        _ = xdotool(["mousemove", "--window", window, "\(Int(pixel.x.rounded()))", "\(Int(pixel.y.rounded()))"])
        usleep(300_000)
        _ = xdotool(["mousedown", "1"])
        // The viewer polls the mouse once per frame: let frames see the press on the marker before it moves
        // (a loaded machine draws a frame every few hundred milliseconds).
        let pressedAt = Self.lastReading(log)?.tick ?? before.tick
        for _ in 0..<100 where (Self.lastReading(log)?.tick ?? 0) < pressedAt + 2 { usleep(50_000) }
        for dx in stride(from: 10, through: 120, by: 10) {
            _ = xdotool(["mousemove", "--window", window, "\(Int(pixel.x.rounded()) - dx)", "\(Int(pixel.y.rounded()))"])
            usleep(60_000)
        }
        var after = before
        for _ in 0..<300 {
            usleep(100_000)
            after = Self.lastReading(log) ?? after
            if after.tick > before.tick + 20 { break }
        }
        _ = xdotool(["mouseup", "1"])
        let target = try #require(Self.lastTarget(log))
        // Left on screen is the view's left: the target and the TCP went that way, and the view did not orbit.
        let left = SIMD2(sin(before.azimuth), -cos(before.azimuth))
        let moved = SIMD2(target.x - marker.x, target.y - marker.y)
        #expect((moved * left).sum() > 0.05, "the marker moved \(moved)")
        #expect(abs(target.z - marker.z) < 1e-6, "a left drag keeps the marker's height")
        #expect((SIMD2(after.tcp.x - before.tcp.x, after.tcp.y - before.tcp.y) * left).sum() > 0.03, "the TCP followed")
        #expect(after.azimuth == before.azimuth, "the drag grabbed the marker instead of orbiting")
    }

    static func lastTarget(_ path: String) -> SIMD3<Double>? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let line = text.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let t = json["target"] as? [Double]
        else { return nil }
        return SIMD3(t[0], t[1], t[2])
    }
}
