import BenchtopTeleop
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// X-series servos on a Protocol 2.0 bus: the torque register written by the driver, and Present_Position counts.
final class EmulatedDynamixelArm: @unchecked Sendable {
    var counts: [UInt8: Int]
    var torque: [UInt8: Int] = [:]
    init(counts: [UInt8: Int]) { self.counts = counts }

    static func framing(_ b: [UInt8]) -> (packet: [UInt8], rest: [UInt8])? {
        guard let s = b.indices.first(where: { $0 + 3 < b.count && Array(b[$0..<($0 + 4)]) == [0xFF, 0xFF, 0xFD, 0x00] }), s + 6 < b.count
        else { return nil }
        let end = s + 7 + (Int(b[s + 5]) | Int(b[s + 6]) << 8)
        guard end <= b.count else { return nil }
        return (Array(b[s..<end]), Array(b[end...]))
    }

    func answer(_ p: [UInt8]) -> [UInt8] {
        let crc = UInt16(p[p.count - 2]) | UInt16(p[p.count - 1]) << 8
        precondition(DynamixelBus.crc(Array(p.dropLast(2))) == crc, "driver sent a bad CRC")
        let payload = DynamixelBus.unstuff(Array(p[7..<(p.count - 2)]))
        let (id, instruction, params) = (p[4], payload[0], Array(payload[1...]))
        switch instruction {
        case 0x03:
            precondition(params[0] == 64 && params[1] == 0)
            torque[id] = Int(params[2])
            return DynamixelBus.packet(id: id, instruction: 0x55, parameters: [0])
        case 0x82:
            precondition(id == 0xFE && params[0] == 132 && params[1] == 0 && params[2] == 4 && params[3] == 0)
            return params[4...].flatMap { sid -> [UInt8] in
                let v = UInt32(bitPattern: Int32(counts[sid]!))
                return DynamixelBus.packet(id: sid, instruction: 0x55, parameters: [0] + (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
            }
        default: return []
        }
    }
}

@Suite(.serialized) struct DynamixelLeaderTests {
    @Test func crcAndByteStuffingFollowTheProtocol() {
        // ROBOTIS e-Manual, Protocol 2.0, "Ping" example: ID 1 -> FF FF FD 00 01 03 00 01 19 4E.
        #expect(DynamixelBus.packet(id: 1, instruction: 0x01, parameters: []) == [0xFF, 0xFF, 0xFD, 0x00, 0x01, 0x03, 0x00, 0x01, 0x19, 0x4E])
        let raw: [UInt8] = [0x55, 0x00, 0xFF, 0xFF, 0xFD, 0x00]
        let stuffed = DynamixelBus.stuff(raw)
        #expect(stuffed == [0x55, 0x00, 0xFF, 0xFF, 0xFD, 0xFD, 0x00])
        #expect(DynamixelBus.unstuff(stuffed) == raw)
    }

    @Test func bimanualGelloLeadersGiveTheYAMsJointAction() throws {
        let left = try EmulatedBus()
        let right = try EmulatedBus()
        // Left: joint 1 at 1024 counts (90°) with offset π/2 -> 0 rad; joint 2 at 3072 (270°), offset π, sign -1 -> -π/2;
        // joint 6 at 0x00FDFFFF counts, whose status bytes FF FF FD must arrive byte-stuffed; gripper (id 7) at 175°
        // between open 200° and closed 150° -> half closed.
        let leftArm = EmulatedDynamixelArm(counts: [1: 1024, 2: 3072, 3: 2048, 4: 2048, 5: -1024, 6: 0x00FD_FFFF, 7: Int(175.0 / 360 * 4096)])
        let rightArm = EmulatedDynamixelArm(counts: [1: 2048, 2: 2048, 3: 2048, 4: 2048, 5: 2048, 6: 2048, 7: Int(201.0 / 360 * 4096)])
        left.serve(framing: EmulatedDynamixelArm.framing, answer: leftArm.answer)
        right.serve(framing: EmulatedDynamixelArm.framing, answer: rightArm.answer)
        defer {
            left.stop()
            right.stop()
        }
        func arm(_ port: String, _ offsets: [Double], _ signs: [Int]) -> String {
            """
            {"port": "\(port)", "baudrate": 57600, "joint_ids": [1, 2, 3, 4, 5, 6], "joint_offsets": \(offsets),
             "joint_signs": \(signs), "gripper_config": [7, 200, 150]}
            """
        }
        let h = Double.pi / 2
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("yam-gello-\(getpid()).json").path
        try """
        {"left": \(arm(left.slavePath, [h, 2 * h, 2 * h, 2 * h, 0, 0], [1, -1, 1, 1, 1, 1])),
         "right": \(arm(right.slavePath, [2 * h, 2 * h, 2 * h, 2 * h, 2 * h, 2 * h], [1, 1, 1, 1, 1, 1]))}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let leaders = try DynamixelLeaderArms(configurationFile: file)
        #expect(leftArm.torque == [1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0], "torque off on every leader servo")
        let a = try #require(try leaders.read().jointAction)
        #expect(a.count == 14)
        let expected: [Double] = [
            0, -(3072 * 2 * .pi / 4096 - .pi), 0, 0, -1024 * 2 * .pi / 4096, Double(0x00FD_FFFF) * 2 * .pi / 4096,
            1 - (Double(Int(175.0 / 360 * 4096)) * 360 / 4096 - 200) / (150 - 200),
            0, 0, 0, 0, 0, 0, 1,
        ]
        for (i, (x, y)) in zip(a, expected).enumerated() { #expect(abs(x - y) < 1e-9, "channel \(i): \(x) vs \(y)") }
        #expect(abs(a[1] + .pi / 2) < 1e-12)
        #expect(a[13] == 1, "the right gripper at its open angle is fully open")
    }

    @Test func aConfigWithMismatchedListsIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gello-bad-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try #"{"port": "/dev/null", "joint_ids": [1, 2], "joint_offsets": [0], "joint_signs": [1, 1]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try DynamixelLeaderArms.loadConfiguration(path: file)
        } throws: { "\($0)".contains("same, non-zero length") }
    }
}
