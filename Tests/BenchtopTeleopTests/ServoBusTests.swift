import BenchtopTeleop
import BenchtopTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The far side of a servo bus on a pseudo-terminal: the test writes a servo's answers to the master end,
/// the driver under test opens the slave end as its serial port.
final class EmulatedBus: @unchecked Sendable {
    let master: Int32
    let slavePath: String
    /// Kept open for the bus's life: with no slave open, poll on the master reports a hang-up at once, and the serving
    /// thread would spin on it (two such threads once starved a whole test run on two cores).
    private let slave: Int32
    private var stopped = false
    private let lock = NSLock()

    init() throws {
        var m: Int32 = 0
        var s: Int32 = 0
        guard openpty(&m, &s, nil, nil, nil) == 0 else { throw TeleopDeviceError("openpty failed") }
        master = m
        slave = s
        slavePath = String(cString: ttyname(s))  // the driver opens it by path
    }

    /// Runs `answer` on every request read from the bus (until `stop`); it returns the bytes the servos send back.
    func serve(framing: @escaping @Sendable ([UInt8]) -> (packet: [UInt8], rest: [UInt8])?, answer: @escaping @Sendable ([UInt8]) -> [UInt8]) {
        Thread { [self] in
            var pending: [UInt8] = []
            while !lock.withLock({ stopped }) {
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 20) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 512)
                let n = chunk.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
                guard n > 0 else {
                    usleep(5_000)  // nothing to read although poll woke up (an error or a hang-up): never spin
                    continue
                }
                pending += chunk[0..<n]
                while let (packet, rest) = framing(pending) {
                    pending = rest
                    let reply = answer(packet)
                    _ = reply.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
                }
            }
        }.start()
    }

    func stop() { lock.withLock { stopped = true } }
    deinit {
        close(slave)
        close(master)
    }
}

/// Six STS3215 servos (SCS protocol): registers written by the driver, and "actual" shaft positions; Present_Position
/// is actual - Homing_Offset as the servo firmware reports it (LeRobot `_get_half_turn_homings`).
final class EmulatedFeetechArm: @unchecked Sendable {
    var actual: [UInt8: Int]
    var registers: [UInt8: [UInt8: Int]] = [:]
    var syncReads = 0
    init(actual: [UInt8: Int]) { self.actual = actual }

    static func framing(_ b: [UInt8]) -> (packet: [UInt8], rest: [UInt8])? {
        guard let start = b.indices.first(where: { $0 + 1 < b.count && b[$0] == 0xFF && b[$0 + 1] == 0xFF }), start + 3 < b.count else { return nil }
        let end = start + 4 + Int(b[start + 3])
        guard end <= b.count else { return nil }
        return (Array(b[start..<end]), Array(b[end...]))
    }

    func answer(_ p: [UInt8]) -> [UInt8] {
        let (id, length, instruction) = (p[2], Int(p[3]), p[4])
        let params = Array(p[5..<(3 + length)])
        precondition(FeetechBus.checksum(p[2..<(3 + length)]) == p[3 + length], "driver sent a bad checksum")
        switch instruction {
        case 0x03:  // write: address, data (little-endian)
            let value = params.dropFirst().enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            registers[id, default: [:]][params[0]] = value
            return FeetechBus.packet(id: id, instruction: 0, parameters: [])
        case 0x82:  // sync read: address, size, ids
            syncReads += 1
            precondition(id == 0xFE && params[0] == 56 && params[1] == 2)
            return params[2...].flatMap { sid -> [UInt8] in
                let offset = FeetechBus.decodeSigned(registers[sid]?[31] ?? 0, bit: 11)
                let present = FeetechBus.encodeSigned(actual[sid]! - offset, bit: 15)
                return FeetechBus.packet(id: sid, instruction: 0, parameters: [UInt8(present & 0xFF), UInt8(present >> 8)])
            }
        default: return []
        }
    }
}

@Suite(.serialized) struct ServoBusTests {
    static func calibrationFile() throws -> String {
        // A LeRobot 0.6.1 calibration file, as lerobot-calibrate writes it (draccus.dump of dict[str, MotorCalibration]).
        let json = """
            {
                "shoulder_pan": {"id": 1, "drive_mode": 0, "homing_offset": 100, "range_min": 1000, "range_max": 3000},
                "shoulder_lift": {"id": 2, "drive_mode": 0, "homing_offset": -200, "range_min": 800, "range_max": 3200},
                "elbow_flex": {"id": 3, "drive_mode": 0, "homing_offset": 0, "range_min": 900, "range_max": 3100},
                "wrist_flex": {"id": 4, "drive_mode": 0, "homing_offset": 150, "range_min": 1000, "range_max": 3000},
                "wrist_roll": {"id": 5, "drive_mode": 0, "homing_offset": -1000, "range_min": 0, "range_max": 4095},
                "gripper": {"id": 6, "drive_mode": 0, "homing_offset": 20, "range_min": 2000, "range_max": 3000}
            }
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("so101-leader-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json")
            .path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func soLeaderWritesTheCalibrationAndReadsPositionsInLeRobotUnits() throws {
        let bus = try EmulatedBus()
        // Shaft positions: pan at 2148 (present 2048 after the offset of 100), lift at -50 + (-200) -> present 150,
        // wrist_roll at 50 with offset -1000 -> 1050, gripper at 2520 - 20 = 2500 (half open).
        let arm = EmulatedFeetechArm(actual: [1: 2148, 2: 150 - 200, 3: 2000, 4: 2150, 5: 50, 6: 2520])
        bus.serve(framing: EmulatedFeetechArm.framing, answer: arm.answer)
        defer { bus.stop() }
        let file = try Self.calibrationFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let leader = try SOLeaderArm(port: bus.slavePath, baudRate: 1_000_000, calibrationFile: file)
        // The calibration is on the servos, as LeRobot's write_calibration leaves it: torque and lock off.
        #expect(arm.registers[2]?[31] == 200 | 1 << 11, "homing offset -200 in sign-magnitude, bit 11")
        #expect(arm.registers[6]?[9] == 2000 && arm.registers[6]?[11] == 3000)
        #expect(arm.registers[1]?[40] == 0 && arm.registers[1]?[55] == 0)
        let q = try #require(try leader.read().jointAction)
        #expect(arm.syncReads == 1)
        // degrees = (present - (min + max) / 2) * 360 / 4095; gripper = (present - min) / (max - min) * 100.
        let expected = [
            (2048.0 - 2000) * 360 / 4095, (150.0 - 2000) * 360 / 4095, (2000.0 - 2000) * 360 / 4095,
            (2000.0 - 2000) * 360 / 4095, (1050.0 - 2047.5) * 360 / 4095, 50,
        ]
        for (a, b) in zip(q, expected) { #expect(abs(a - b) < 1e-9, "\(q) vs \(expected)") }
        // A shaft below the offset reads negative (sign bit 15), which LeRobot decodes as a negative position.
        arm.actual[1] = 40
        let pan = try #require(try leader.read().jointAction)[0]
        #expect(abs(pan - (-60.0 - 2000) * 360 / 4095) < 1e-9)
    }

    /// LeRobot 0.6.1 itself (the cached venv of `scripts/setup.sh --test`) writes the calibration file and normalises
    /// raw readings; Benchtop reads that file and must give the same numbers. Fails (never skips) without the venv.
    @Test func theCalibrationFileAndTheNormalisationAgreeWithLeRobots() throws {
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        let python = cache + "/benchtop/venv-torch/bin/python"
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "\(python) is missing: run `scripts/setup.sh --test` once (it installs lerobot 0.6.1 into that cached venv)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lerobot_calibration.py").path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lerobot-cal-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Every motor, a drive_mode 1 gripper and a wrist_roll over the full turn; raw readings on, inside and outside
        // the ranges (LeRobot clamps the gripper to its range but not the degrees).
        let spec = """
            {"shoulder_pan": [1, 0, 100, 1000, 3000], "shoulder_lift": [2, 0, -200, 800, 3200],
             "elbow_flex": [3, 1, 0, 900, 3100], "wrist_flex": [4, 0, 150, 1000, 3000],
             "wrist_roll": [5, 0, -1000, 0, 4095], "gripper": [6, 1, 20, 2000, 3000]}
            """
        let raw: [Int: Int] = [1: 2048, 2: 150, 3: 3300, 4: 2000, 5: 1050, 6: 2300]
        let rawJSON = "{" + raw.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        let r = try ChildProcess.run(python, [script, file, spec, rawJSON], timeout: 300)
        try #require(r.status == 0, "lerobot_calibration.py failed: \(r.stderr.suffix(2000))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let theirs = try #require(json["normalized"] as? [String: Double])
        let calibration = try SOLeaderArm.loadCalibration(path: file)
        for motor in SOLeaderArm.motors {
            let c = try #require(calibration[motor])
            let ours = SOLeaderArm.normalize(raw[c.id]!, motor: motor, calibration: c)
            let lerobot = try #require(theirs[String(c.id)])
            #expect(abs(ours - lerobot) < 1e-9, "\(motor): Benchtop \(ours), LeRobot \(lerobot)")
        }
        #expect(calibration["gripper"]?.driveMode == 1 && calibration["shoulder_lift"]?.homingOffset == -200)
    }

    @Test func aBadCalibrationFileNamesTheMotorAndTheKey() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-cal-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"shoulder_pan": {"id": 1, "drive_mode": 0, "homing_offset": 0, "range_min": 3000, "range_max": 1000}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try SOLeaderArm.loadCalibration(path: path)
        } throws: { "\($0)".contains("shoulder_pan.range_min/range_max") }
        try "{}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try SOLeaderArm.loadCalibration(path: path)
        } throws: { "\($0)".contains("motor 'shoulder_pan' is missing") }
    }

    @Test func aSilentBusIsAClearErrorNotAHang() throws {
        let bus = try EmulatedBus()  // nobody answers
        let file = try Self.calibrationFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect {
            _ = try SOLeaderArm(port: bus.slavePath, calibrationFile: file)
        } throws: { "\($0)".contains("no answer from the bus") }
    }
}
