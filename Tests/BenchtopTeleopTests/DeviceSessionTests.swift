import BenchtopTeleop
import BenchtopTestSupport
import Foundation
import Testing

/// Devices through the whole recording session: `benchtop record` under Xvfb with its device on an emulated far side
/// (a servo bus on a pseudo-terminal, a fake spacenavd), checked in the session's per-tick log.
@Suite(.serialized) struct DeviceSessionTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()

    static func benchtop() throws -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [here, here.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("benchtop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        Issue.record("benchtop executable not found next to \(here.path); build it with swift build first")
        throw CancellationError()
    }

    /// Starts `benchtop record ARGS` in a virtual X server; `started` runs while it is up; returns its log lines.
    static func record(_ arguments: [String], started: () -> Void = {}) throws -> (status: Int32, output: String, log: [[String: Any]]) {
        let xvfb = "/usr/bin/xvfb-run"
        try #require(FileManager.default.isExecutableFile(atPath: xvfb), "xvfb-run is missing (Debian: apt-get install xvfb xauth)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-device-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = ChildProcess.make(
            xvfb,
            ["-a", "-s", "-screen 0 1280x800x24", try benchtop(), "record"] + arguments + [
                "--episodes", "1", "--no-ready-prompt", "--image-size", "32", "--out", dir + "/demo", "--teleop-log", dir + "/log.jsonl",
            ], directory: root)
        let logFile = dir + "/output.txt"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        started()
        ChildProcess.finish(process, timeout: 300)
        try? handle.close()
        let output = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        let text = (try? String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8)) ?? ""
        let log = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (process.terminationStatus, output, log.filter { $0["phase"] as? String == "recording" })
    }

    @Test func anSOLeaderOnAnEmulatedBusDrivesTheSimulatedSO101JointForJoint() throws {
        let bus = try EmulatedBus()
        // Present positions (after the calibration's homing offsets): pan 2048, lift 2057, elbow 1943, wrist flex 2000,
        // wrist roll 2100, gripper 2500, i.e. about +4, +5, -5, 0, +5 degrees and 50.
        let arm = EmulatedFeetechArm(actual: [1: 2148, 2: 2057 - 200, 3: 1943, 4: 2150, 5: 2100 - 1000, 6: 2520])
        bus.serve(framing: EmulatedFeetechArm.framing, answer: arm.answer)
        defer { bus.stop() }
        let calibration = try ServoBusTests.calibrationFile()
        defer { try? FileManager.default.removeItem(atPath: calibration) }
        let run = try Self.record([
            "pick_cube_small", "--robot", "so101", "--teleop", "so-leader", "--leader-port", bus.slavePath,
            "--leader-calibration", calibration, "--frames", "24",
        ])
        #expect(run.status == 0, "\(run.output)")
        let last = try #require(run.log.last, "no recording ticks logged: \(run.output)")
        let action = try #require(last["action"] as? [Double])
        let state = try #require(last["state"] as? [Double])
        let expected = [
            (2048.0 - 2000) * 360 / 4095, (2057.0 - 2000) * 360 / 4095, (1943.0 - 2000) * 360 / 4095, 0,
            (2100.0 - 2047.5) * 360 / 4095, 50,
        ]
        #expect(action.count == 6)
        for i in 0..<6 { #expect(abs(action[i] - expected[i]) < 1e-4, "action \(i): \(action[i]) vs \(expected[i])") }
        // The simulated arm got there: every body joint within 2 degrees of the leader after 0.8 s.
        for i in 0..<5 { #expect(abs(state[i] - expected[i]) < 2, "joint \(i): state \(state[i]) vs leader \(expected[i])") }
        #expect(arm.syncReads >= 24, "one sync read per control tick")
    }

    @Test func aSpaceMousePushedAwayMovesTheTCPAwayFromTheViewer() throws {
        let daemon = try FakeSpacenavd(answerProtocol: 1)
        var connected = false
        let run = try Self.record(
            ["pick_cube", "--robot", "franka", "--teleop", "spacemouse", "--spacemouse-socket", daemon.path, "--frames", "15"]
        ) {
            connected = daemon.waitForHandshake(seconds: 120)
            if connected { daemon.send([0, 0, 0, 350, 0, 0, 0, 16]) }  // the cap pushed away at full deflection
        }
        #expect(connected, "benchtop never connected to the fake spacenavd: \(run.output)")
        #expect(run.status == 0, "\(run.output)")
        let first = try #require(run.log.first?["tcp"] as? [Double])
        let last = try #require(run.log.last?["tcp"] as? [Double])
        let azimuth = try #require(run.log.last?["view_azimuth"] as? Double)
        let moved = SIMD2(last[0] - first[0], last[1] - first[1])
        let away = (moved * SIMD2(-cos(azimuth), -sin(azimuth))).sum()
        let sideways = (moved * SIMD2(sin(azimuth), -cos(azimuth))).sum()
        #expect(away > 0.08, "moved \(moved)")
        #expect(abs(sideways) < 0.02 && abs(last[2] - first[2]) < 0.02, "moved \(moved), dz \(last[2] - first[2])")
    }
}
