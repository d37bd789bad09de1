/// Feetech's SCS/STS serial protocol (protocol 0; the STS3215 of the SO-100/101 arms), as Feetech's
/// FT-SCServo SDK and LeRobot's `FeetechMotorsBus` speak it:
/// instruction `FF FF id len inst params... checksum`, status `FF FF id len error params... checksum`,
/// `len` = parameters + 2, checksum = ~(id + len + inst/error + params) & 0xFF. Values are little-endian;
/// signed registers use a sign bit (Present_Position bit 15, Homing_Offset bit 11: LeRobot `feetech/tables.py`).
public final class FeetechBus {
    public enum Instruction: UInt8 {
        case ping = 0x01
        case read = 0x02
        case write = 0x03
        case syncRead = 0x82
        case syncWrite = 0x83
    }
    /// STS/SMS control table addresses (LeRobot `STS_SMS_SERIES_CONTROL_TABLE`).
    public enum Register: UInt8 {
        case minPositionLimit = 9
        case maxPositionLimit = 11
        case homingOffset = 31
        case torqueEnable = 40
        case lock = 55
        case presentPosition = 56
    }
    public static let broadcast: UInt8 = 0xFE
    let port: SerialPort
    public var timeout = 0.1

    public init(port: SerialPort) { self.port = port }

    public static func checksum(_ body: ArraySlice<UInt8>) -> UInt8 { ~UInt8(truncatingIfNeeded: body.reduce(0) { $0 + Int($1) }) }

    public static func packet(id: UInt8, instruction: UInt8, parameters: [UInt8]) -> [UInt8] {
        let body = [id, UInt8(parameters.count + 2), instruction] + parameters
        return [0xFF, 0xFF] + body + [checksum(body[...])]
    }

    /// Sign-magnitude encoding with the sign at `bit` (Feetech's signed registers).
    public static func encodeSigned(_ v: Int, bit: Int) -> Int { v < 0 ? (-v) | (1 << bit) : v }
    public static func decodeSigned(_ raw: Int, bit: Int) -> Int { raw & (1 << bit) != 0 ? -(raw & ~(1 << bit)) : raw }

    /// Reads one status packet: (id, error, parameters). Skips noise before the header.
    func status() throws -> (id: UInt8, error: UInt8, parameters: [UInt8]) {
        var window: [UInt8] = []
        while window != [0xFF, 0xFF] {
            window.append(try port.read(count: 1, timeout: timeout)[0])
            if window.count > 2 { window.removeFirst() }
        }
        var head = try port.read(count: 2, timeout: timeout)
        while head[0] == 0xFF { head = [head[1]] + (try port.read(count: 1, timeout: timeout)) }  // a third FF
        let (id, length) = (head[0], Int(head[1]))
        guard length >= 2 else { throw TeleopDeviceError("\(port.path): status packet of servo \(id) with length \(length)") }
        let rest = try port.read(count: length, timeout: timeout)
        let body = [id, head[1]] + rest.dropLast()
        guard Self.checksum(body[...]) == rest.last! else {
            throw TeleopDeviceError("\(port.path): bad checksum in the status packet of servo \(id)")
        }
        return (id, rest[0], Array(rest[1..<(length - 1)]))
    }

    /// Writes `value` (`size` bytes, little-endian) to one servo and waits for its acknowledgement.
    public func write(id: UInt8, register: Register, value: Int, size: Int) throws {
        let data = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        port.discardInput()
        try port.write(Self.packet(id: id, instruction: Instruction.write.rawValue, parameters: [register.rawValue] + data))
        let s = try status()
        guard s.id == id else { throw TeleopDeviceError("\(port.path): servo \(s.id) answered a write to servo \(id)") }
        guard s.error == 0 else { throw TeleopDeviceError("\(port.path): servo \(id) reports error 0x\(String(s.error, radix: 16)) on write") }
    }

    /// Sync-reads `size` bytes at `register` from every id (one request, one status packet per servo, in order).
    public func syncRead(ids: [UInt8], register: Register, size: Int) throws -> [UInt8: Int] {
        port.discardInput()
        try port.write(
            Self.packet(id: Self.broadcast, instruction: Instruction.syncRead.rawValue, parameters: [register.rawValue, UInt8(size)] + ids))
        var values: [UInt8: Int] = [:]
        for _ in ids {
            let s = try status()
            guard ids.contains(s.id), s.parameters.count == size else {
                throw TeleopDeviceError("\(port.path): unexpected answer from servo \(s.id) (\(s.parameters.count) bytes) to a sync read")
            }
            guard s.error & 0x20 == 0 else { throw TeleopDeviceError("\(port.path): servo \(s.id) reports an overload") }
            values[s.id] = s.parameters.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        }
        return values
    }
}

/// Dynamixel Protocol 2.0 (ROBOTIS e-Manual "Protocol 2.0"; the XL330/XM430 servos of GELLO leaders):
/// `FF FF FD 00 id lenL lenH inst params... crcL crcH`, `len` = parameters + 3, CRC-16 (polynomial 0x8005, initial 0,
/// most significant bit first) over everything before it, and byte stuffing: `FF FF FD` inside the instruction and
/// parameters is sent as `FF FF FD FD`. Status packets use instruction 0x55 followed by an error byte.
public final class DynamixelBus {
    public enum Instruction: UInt8 {
        case ping = 0x01
        case read = 0x02
        case write = 0x03
        case syncRead = 0x82
        case syncWrite = 0x83
        case status = 0x55
    }
    /// X-series control table (ROBOTIS e-Manual; GELLO `dynamixel/driver.py`).
    public enum Register: UInt16 {
        case torqueEnable = 64
        case presentPosition = 132
    }
    public static let broadcast: UInt8 = 0xFE
    let port: SerialPort
    public var timeout = 0.1

    public init(port: SerialPort) { self.port = port }

    public static func crc(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for b in bytes {
            crc ^= UInt16(b) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x8005 : crc << 1 }
        }
        return crc
    }

    /// Inserts 0xFD after every FF FF FD.
    public static func stuff(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            out.append(b)
            if out.count >= 3, out.suffix(3) == [0xFF, 0xFF, 0xFD] { out.append(0xFD) }
        }
        return out
    }

    /// Removes the 0xFD that follows every FF FF FD.
    public static func unstuff(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            out.append(bytes[i])
            if out.count >= 3, out.suffix(3) == [0xFF, 0xFF, 0xFD], i + 1 < bytes.count, bytes[i + 1] == 0xFD { i += 1 }
            i += 1
        }
        return out
    }

    public static func packet(id: UInt8, instruction: UInt8, parameters: [UInt8]) -> [UInt8] {
        let payload = stuff([instruction] + parameters)
        let length = payload.count + 2
        let head: [UInt8] = [0xFF, 0xFF, 0xFD, 0x00, id, UInt8(length & 0xFF), UInt8(length >> 8)]
        let c = crc(head + payload)
        return head + payload + [UInt8(c & 0xFF), UInt8(c >> 8)]
    }

    func status() throws -> (id: UInt8, error: UInt8, parameters: [UInt8]) {
        var window: [UInt8] = []
        while window != [0xFF, 0xFF, 0xFD, 0x00] {
            window.append(try port.read(count: 1, timeout: timeout)[0])
            if window.count > 4 { window.removeFirst() }
        }
        let head = try port.read(count: 3, timeout: timeout)
        let length = Int(head[1]) | Int(head[2]) << 8
        guard length >= 4, length < 1024 else { throw TeleopDeviceError("\(port.path): status packet of servo \(head[0]) with length \(length)") }
        let rest = try port.read(count: length, timeout: timeout)
        let received = UInt16(rest[length - 2]) | UInt16(rest[length - 1]) << 8
        guard Self.crc(window + head + rest.dropLast(2)) == received else {
            throw TeleopDeviceError("\(port.path): CRC mismatch in the status packet of servo \(head[0])")
        }
        let payload = Self.unstuff(Array(rest.dropLast(2)))
        guard payload.first == Instruction.status.rawValue, payload.count >= 2 else {
            throw TeleopDeviceError("\(port.path): servo \(head[0]) sent instruction 0x\(String(payload.first ?? 0, radix: 16)), not a status")
        }
        return (head[0], payload[1], Array(payload[2...]))
    }

    public func write(id: UInt8, register: Register, value: Int, size: Int) throws {
        let address = [UInt8(register.rawValue & 0xFF), UInt8(register.rawValue >> 8)]
        let data = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        port.discardInput()
        try port.write(Self.packet(id: id, instruction: Instruction.write.rawValue, parameters: address + data))
        let s = try status()
        guard s.id == id, s.error & 0x7F == 0 else {
            throw TeleopDeviceError("\(port.path): servo \(id) refused a write (answer from \(s.id), error 0x\(String(s.error, radix: 16)))")
        }
    }

    /// Sync-reads a signed little-endian value of `size` bytes from every id.
    public func syncRead(ids: [UInt8], register: Register, size: Int) throws -> [UInt8: Int] {
        let params =
            [UInt8(register.rawValue & 0xFF), UInt8(register.rawValue >> 8), UInt8(size & 0xFF), UInt8(size >> 8)] + ids
        port.discardInput()
        try port.write(Self.packet(id: Self.broadcast, instruction: Instruction.syncRead.rawValue, parameters: params))
        var values: [UInt8: Int] = [:]
        for _ in ids {
            let s = try status()
            guard ids.contains(s.id), s.parameters.count == size else {
                throw TeleopDeviceError("\(port.path): unexpected answer from servo \(s.id) (\(s.parameters.count) bytes) to a sync read")
            }
            guard s.error & 0x7F == 0 else { throw TeleopDeviceError("\(port.path): servo \(s.id) reports error 0x\(String(s.error, radix: 16))") }
            let raw = s.parameters.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            values[s.id] = raw >= 1 << (8 * size - 1) ? raw - (1 << (8 * size)) : raw
        }
        return values
    }
}
