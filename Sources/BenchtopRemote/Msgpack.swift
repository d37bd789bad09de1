import BenchtopPolicy
import Foundation

/// A MessagePack value. Maps keep their order and may have non-string keys (openpi's ndarray maps use bin keys).
public indirect enum MsgpackValue: Sendable, Equatable {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float32(Float)
    case float64(Double)
    case string(String)
    case binary([UInt8])
    case array([MsgpackValue])
    case map([(MsgpackValue, MsgpackValue)])
    case ext(Int8, [UInt8])

    public static func == (a: MsgpackValue, b: MsgpackValue) -> Bool {
        switch (a, b) {
        case (.nil, .nil): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.uint(let x), .uint(let y)): x == y
        case (.int(let x), .uint(let y)), (.uint(let y), .int(let x)): x >= 0 && UInt64(x) == y
        case (.float32(let x), .float32(let y)): x.bitPattern == y.bitPattern
        case (.float64(let x), .float64(let y)): x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)): x == y
        case (.binary(let x), .binary(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.ext(let t, let x), .ext(let u, let y)): t == u && x == y
        default: false
        }
    }

    /// The value under a string key (or a bin key with the same bytes) of a map.
    public subscript(key: String) -> MsgpackValue? {
        guard case .map(let m) = self else { return nil }
        let bytes = Array(key.utf8)
        return m.first { k, _ in
            switch k {
            case .string(let s): s == key
            case .binary(let b): b == bytes
            default: false
            }
        }?.1
    }

    public var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .uint(let u): Double(u)
        case .float32(let f): Double(f)
        case .float64(let d): d
        default: nil
        }
    }

    public var int: Int? {
        switch self {
        case .int(let i): Int(exactly: i)
        case .uint(let u): Int(exactly: u)
        default: nil
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .binary(let b): String(decoding: b, as: UTF8.self)
        default: nil
        }
    }
}

/// MessagePack encoding and decoding (the spec's full type set; timestamps stay `.ext`).
public enum Msgpack {
    public static func encode(_ v: MsgpackValue) -> [UInt8] {
        var out: [UInt8] = []
        encode(v, into: &out)
        return out
    }

    public static func encode(_ v: MsgpackValue, into out: inout [UInt8]) {
        switch v {
        case .nil: out.append(0xC0)
        case .bool(let b): out.append(b ? 0xC3 : 0xC2)
        case .int(let i):
            if i >= 0 {
                encodeUnsigned(UInt64(i), &out)
            } else if i >= -32 {
                out.append(UInt8(bitPattern: Int8(i)))
            } else if i >= -128 {
                out.append(0xD0)
                out.append(UInt8(bitPattern: Int8(i)))
            } else if i >= -32768 {
                out.append(0xD1)
                be(UInt16(bitPattern: Int16(i)), &out)
            } else if i >= -2_147_483_648 {
                out.append(0xD2)
                be(UInt32(bitPattern: Int32(i)), &out)
            } else {
                out.append(0xD3)
                be(UInt64(bitPattern: i), &out)
            }
        case .uint(let u): encodeUnsigned(u, &out)
        case .float32(let f):
            out.append(0xCA)
            be(f.bitPattern, &out)
        case .float64(let d):
            out.append(0xCB)
            be(d.bitPattern, &out)
        case .string(let s):
            let n = s.utf8.count
            if n < 32 {
                out.append(0xA0 | UInt8(n))
            } else if n < 256 {
                out.append(0xD9)
                out.append(UInt8(n))
            } else if n < 65536 {
                out.append(0xDA)
                be(UInt16(n), &out)
            } else {
                out.append(0xDB)
                be(UInt32(n), &out)
            }
            out += s.utf8
        case .binary(let b):
            header(b.count, 0xC4, 0xC5, 0xC6, &out)
            out += b
        case .array(let a):
            if a.count < 16 {
                out.append(0x90 | UInt8(a.count))
            } else if a.count < 65536 {
                out.append(0xDC)
                be(UInt16(a.count), &out)
            } else {
                out.append(0xDD)
                be(UInt32(a.count), &out)
            }
            for x in a { encode(x, into: &out) }
        case .map(let m):
            if m.count < 16 {
                out.append(0x80 | UInt8(m.count))
            } else if m.count < 65536 {
                out.append(0xDE)
                be(UInt16(m.count), &out)
            } else {
                out.append(0xDF)
                be(UInt32(m.count), &out)
            }
            for (k, x) in m {
                encode(k, into: &out)
                encode(x, into: &out)
            }
        case .ext(let t, let d):
            switch d.count {
            case 1: out.append(0xD4)
            case 2: out.append(0xD5)
            case 4: out.append(0xD6)
            case 8: out.append(0xD7)
            case 16: out.append(0xD8)
            default: header(d.count, 0xC7, 0xC8, 0xC9, &out)
            }
            out.append(UInt8(bitPattern: t))
            out += d
        }
    }

    private static func header(_ n: Int, _ c8: UInt8, _ c16: UInt8, _ c32: UInt8, _ out: inout [UInt8]) {
        if n < 256 {
            out.append(c8)
            out.append(UInt8(n))
        } else if n < 65536 {
            out.append(c16)
            be(UInt16(n), &out)
        } else {
            out.append(c32)
            be(UInt32(n), &out)
        }
    }

    private static func encodeUnsigned(_ u: UInt64, _ out: inout [UInt8]) {
        if u < 128 {
            out.append(UInt8(u))
        } else if u < 256 {
            out.append(0xCC)
            out.append(UInt8(u))
        } else if u < 65536 {
            out.append(0xCD)
            be(UInt16(u), &out)
        } else if u < 1 << 32 {
            out.append(0xCE)
            be(UInt32(u), &out)
        } else {
            out.append(0xCF)
            be(u, &out)
        }
    }

    private static func be<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        let b = v.bigEndian
        withUnsafeBytes(of: b) { out += $0 }
    }

    /// Decodes exactly one value filling `bytes`.
    public static func decode(_ bytes: [UInt8]) throws -> MsgpackValue {
        try bytes.withUnsafeBytes { raw in
            var r = Reader(b: raw)
            let v = try r.value(depth: 0)
            guard r.i == raw.count else { throw MsgpackError(offset: r.i, message: "\(raw.count - r.i) trailing bytes after the value") }
            return v
        }
    }

    private struct Reader {
        let b: UnsafeRawBufferPointer
        var i = 0

        mutating func need(_ n: Int) throws {
            guard n >= 0, i + n <= b.count else { throw MsgpackError(offset: i, message: "truncated: need \(n) more bytes, have \(b.count - i)") }
        }
        mutating func u8() throws -> UInt8 {
            try need(1)
            defer { i += 1 }
            return b[i]
        }
        mutating func big<T: FixedWidthInteger>(_: T.Type) throws -> T {
            try need(MemoryLayout<T>.size)
            defer { i += MemoryLayout<T>.size }
            return T(bigEndian: b.loadUnaligned(fromByteOffset: i, as: T.self))
        }
        mutating func bytes(_ n: Int) throws -> [UInt8] {
            try need(n)
            defer { i += n }
            return Array(b[i..<(i + n)])
        }
        mutating func str(_ n: Int) throws -> MsgpackValue {
            let at = i
            let raw = try bytes(n)
            guard let s = String(validating: raw, as: UTF8.self) else { throw MsgpackError(offset: at, message: "str is not valid UTF-8") }
            return .string(s)
        }

        mutating func value(depth: Int) throws -> MsgpackValue {
            guard depth < 512 else { throw MsgpackError(offset: i, message: "nesting deeper than 512") }
            let at = i
            let t = try u8()
            switch t {
            case 0x00...0x7F: return .uint(UInt64(t))
            case 0x80...0x8F: return try map(Int(t & 0x0F), depth)
            case 0x90...0x9F: return try array(Int(t & 0x0F), depth)
            case 0xA0...0xBF: return try str(Int(t & 0x1F))
            case 0xC0: return .nil
            case 0xC2: return .bool(false)
            case 0xC3: return .bool(true)
            case 0xC4: return .binary(try bytes(Int(try u8())))
            case 0xC5: return .binary(try bytes(Int(try big(UInt16.self))))
            case 0xC6: return .binary(try bytes(Int(try big(UInt32.self))))
            case 0xC7:
                let n = Int(try u8())
                let ty = Int8(bitPattern: try u8())
                return .ext(ty, try bytes(n))
            case 0xC8:
                let n = Int(try big(UInt16.self))
                let ty = Int8(bitPattern: try u8())
                return .ext(ty, try bytes(n))
            case 0xC9:
                let n = Int(try big(UInt32.self))
                let ty = Int8(bitPattern: try u8())
                return .ext(ty, try bytes(n))
            case 0xCA: return .float32(Float(bitPattern: try big(UInt32.self)))
            case 0xCB: return .float64(Double(bitPattern: try big(UInt64.self)))
            case 0xCC: return .uint(UInt64(try u8()))
            case 0xCD: return .uint(UInt64(try big(UInt16.self)))
            case 0xCE: return .uint(UInt64(try big(UInt32.self)))
            case 0xCF: return .uint(try big(UInt64.self))
            case 0xD0: return .int(Int64(Int8(bitPattern: try u8())))
            case 0xD1: return .int(Int64(Int16(bitPattern: try big(UInt16.self))))
            case 0xD2: return .int(Int64(Int32(bitPattern: try big(UInt32.self))))
            case 0xD3: return .int(Int64(bitPattern: try big(UInt64.self)))
            case 0xD4, 0xD5, 0xD6, 0xD7, 0xD8:
                let ty = Int8(bitPattern: try u8())
                return .ext(ty, try bytes(1 << Int(t - 0xD4)))
            case 0xD9: return try str(Int(try u8()))
            case 0xDA: return try str(Int(try big(UInt16.self)))
            case 0xDB: return try str(Int(try big(UInt32.self)))
            case 0xDC: return try array(Int(try big(UInt16.self)), depth)
            case 0xDD: return try array(Int(try big(UInt32.self)), depth)
            case 0xDE: return try map(Int(try big(UInt16.self)), depth)
            case 0xDF: return try map(Int(try big(UInt32.self)), depth)
            case 0xE0...0xFF: return .int(Int64(Int8(bitPattern: t)))
            default: throw MsgpackError(offset: at, message: "byte 0xC1 is never used in MessagePack")
            }
        }

        mutating func array(_ n: Int, _ depth: Int) throws -> MsgpackValue {
            try need(n)  // each element takes at least one byte
            var a: [MsgpackValue] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try value(depth: depth + 1)) }
            return .array(a)
        }

        mutating func map(_ n: Int, _ depth: Int) throws -> MsgpackValue {
            try need(2 * n)
            var m: [(MsgpackValue, MsgpackValue)] = []
            m.reserveCapacity(n)
            for _ in 0..<n {
                let k = try value(depth: depth + 1)
                m.append((k, try value(depth: depth + 1)))
            }
            return .map(m)
        }
    }
}

/// Bytes that are not valid MessagePack, with the offset.
public struct MsgpackError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "invalid msgpack at byte \(offset): \(message)" }
}

/// NumPy arrays as openpi-client's `msgpack_numpy` packs them: a map with bin keys `__ndarray__` (true), `data`
/// (raw C-order bytes), `dtype` (numpy's `dtype.str`, a str) and `shape` (array of ints).
public enum MsgpackNumpy {
    private static let ndarrayKey = MsgpackValue.binary(Array("__ndarray__".utf8))

    /// A uint8 H x W x 3 array.
    public static func image(_ pixels: [UInt8], height: Int, width: Int) -> MsgpackValue {
        array(data: pixels, dtype: "|u1", shape: [height, width, 3])
    }

    /// A float32 vector (openpi states are float32 after the clients' `np.asarray(..., dtype=np.float32)`).
    public static func float32(_ values: [Double]) -> MsgpackValue {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (k, v) in values.enumerated() { raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
        }
        return array(data: bytes, dtype: "<f4", shape: [values.count])
    }

    public static func array(data: [UInt8], dtype: String, shape: [Int]) -> MsgpackValue {
        .map([
            (ndarrayKey, .bool(true)), (.binary(Array("data".utf8)), .binary(data)),
            (.binary(Array("dtype".utf8)), .string(dtype)), (.binary(Array("shape".utf8)), .array(shape.map { .int(Int64($0)) })),
        ])
    }

    /// Whether `v` is an encoded ndarray.
    public static func isArray(_ v: MsgpackValue) -> Bool { v["__ndarray__"] == .bool(true) }

    /// Decodes an ndarray (or nested lists of numbers, or a numpy scalar) into flat doubles and its shape.
    public static func decode(_ v: MsgpackValue, field: String) throws -> (values: [Double], shape: [Int]) {
        if isArray(v) {
            guard case .binary(let data)? = v["data"] else { throw PolicyError.malformedOutput(field: field, detail: "ndarray without bin data") }
            guard let dtype = v["dtype"]?.stringValue else { throw PolicyError.malformedOutput(field: field, detail: "ndarray without dtype") }
            guard case .array(let s)? = v["shape"] else { throw PolicyError.malformedOutput(field: field, detail: "ndarray without shape") }
            let shape = try s.map { x -> Int in
                guard let n = x.int, n >= 0 else { throw PolicyError.malformedOutput(field: field, detail: "bad shape entry \(x)") }
                return n
            }
            return (try NumpyBytes.doubles(data: data, dtype: dtype, count: shape.reduce(1, *), field: field), shape)
        }
        if v["__npgeneric__"] == .bool(true), let d = v["data"]?.double { return ([d], []) }
        if let d = v.double { return ([d], []) }
        if case .array(let rows) = v {
            let parts = try rows.enumerated().map { try decode($1, field: "\(field)[\($0)]") }
            guard let first = parts.first else { return ([], [0]) }
            guard parts.allSatisfy({ $0.shape == first.shape }) else {
                throw PolicyError.malformedOutput(field: field, detail: "ragged nested lists")
            }
            return (parts.flatMap(\.values), [parts.count] + first.shape)
        }
        throw PolicyError.malformedOutput(field: field, detail: "expected a numeric array")
    }
}
