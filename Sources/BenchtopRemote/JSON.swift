import BenchtopPolicy
import Foundation

/// A JSON value; objects keep their key order (bodies are written in a fixed order).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o.first { $0.0 == key }?.1 }
        return nil
    }

    public var double: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Serialises compactly.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
                out += Array(String(Int64(d)).utf8)
            } else if d.isFinite {
                out += Array("\(d)".utf8)
            } else {
                out += Array("null".utf8)
            }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var runStart = 0
            for i in 0..<u.count {
                let c = u[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i]))
                switch c {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                default: out += Array(String(format: "\\u%04x", c).utf8)
                }
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<u.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(b: bytes)
        p.skip()
        let v = try p.value(depth: 0)
        p.skip()
        guard p.i == bytes.count else { throw p.fail("trailing characters") }
        return v
    }
}

/// A JSON document that cannot be parsed, with the byte offset.
public struct JSONParseError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

private struct JSONParser {
    let b: [UInt8]
    var i = 0

    func fail(_ m: String) -> JSONParseError { JSONParseError(offset: i, message: m) }

    mutating func skip() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

    mutating func literal(_ s: String, _ v: JSONValue) throws -> JSONValue {
        let u = Array(s.utf8)
        guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { throw fail("expected \(s)") }
        i += u.count
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw fail("nesting deeper than 512") }
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            skip()
            var o: [(String, JSONValue)] = []
            if i < b.count, b[i] == UInt8(ascii: "}") {
                i += 1
                return .object(o)
            }
            while true {
                skip()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let k = try string()
                skip()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skip()
                o.append((k, try value(depth: depth + 1)))
                skip()
                guard i < b.count else { throw fail("unterminated object") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if b[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(o)
                }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            skip()
            var a: [JSONValue] = []
            if i < b.count, b[i] == UInt8(ascii: "]") {
                i += 1
                return .array(a)
            }
            while true {
                skip()
                a.append(try value(depth: depth + 1))
                skip()
                guard i < b.count else { throw fail("unterminated array") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if b[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(a)
                }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"): return try literal("NaN", .number(.nan))  // Python's json writes these
        case UInt8(ascii: "I"): return try literal("Infinity", .number(.infinity))
        default:
            let s = i
            if b[i] == UInt8(ascii: "-"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "I") {
                i += 1
                _ = try literal("Infinity", .null)
                return .number(-.infinity)
            }
            while i < b.count, let c = Optional(b[i]), (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45 {
                i += 1
            }
            guard i > s, let d = Double(String(decoding: b[s..<i], as: UTF8.self)) else {
                i = s
                throw fail("expected a value")
            }
            return .number(d)
        }
    }

    mutating func string() throws -> String {
        i += 1
        let s = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != 0x5C { i += 1 }
        guard i < b.count else { throw fail("unterminated string") }
        if b[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: b[s..<(i - 1)], as: UTF8.self)
        }
        var out = Array(b[s..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c != 0x5C {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), i + 1 < b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
            default: out.append(e)
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
        i += 4
        return v
    }
}

/// json-numpy 2.x's ndarray encoding: `{"__numpy__": base64(raw C-order bytes), "dtype": "<f4", "shape": [...]}`.
public enum JSONNumpy {
    /// A uint8 H x W x 3 array of an RGB image.
    public static func image(_ pixels: [UInt8], height: Int, width: Int) -> JSONValue {
        .object([
            ("__numpy__", .string(Data(pixels).base64EncodedString())), ("dtype", .string("|u1")),
            ("shape", .array([.number(Double(height)), .number(Double(width)), .number(3)])),
        ])
    }

    /// A float32 vector.
    public static func float32(_ values: [Double]) -> JSONValue {
        var f = values.map { Float($0).bitPattern.littleEndian }
        let data = Data(bytes: &f, count: f.count * 4)
        return .object([
            ("__numpy__", .string(data.base64EncodedString())), ("dtype", .string("<f4")),
            ("shape", .array([.number(Double(values.count))])),
        ])
    }

    /// Reads a numeric array (json-numpy object or nested lists) as rows of doubles; a 1-D array is one row.
    public static func matrix(_ v: JSONValue, field: String) throws -> [[Double]] {
        if v["__numpy__"] != nil {
            let (values, shape) = try decode(v, field: field)
            switch shape.count {
            case 0: return [values]
            case 1: return [values]
            case 2: return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
            case 3 where shape[0] == 1: return (0..<shape[1]).map { Array(values[($0 * shape[2])..<(($0 + 1) * shape[2])]) }
            default: throw PolicyError.malformedOutput(field: field, detail: "shape \(shape), expected (N, D) or (D)")
            }
        }
        guard let rows = v.array else { throw PolicyError.malformedOutput(field: field, detail: "expected an array") }
        if rows.allSatisfy({ $0.double != nil }) { return [rows.map { $0.double! }] }
        var unwrapped = rows
        if rows.count == 1, let inner = rows[0].array, inner.first?.array != nil { unwrapped = inner }  // (1, N, D)
        return try unwrapped.enumerated().map { i, r in
            guard let a = r.array else { throw PolicyError.malformedOutput(field: "\(field)[\(i)]", detail: "expected a list of numbers") }
            return try a.enumerated().map { j, x in
                guard let d = x.double else { throw PolicyError.malformedOutput(field: "\(field)[\(i)][\(j)]", detail: "expected a number") }
                return d
            }
        }
    }

    /// Decodes a json-numpy object into flat doubles and its shape.
    public static func decode(_ v: JSONValue, field: String) throws -> ([Double], [Int]) {
        guard let b64 = v["__numpy__"]?.string, let data = Data(base64Encoded: b64) else {
            throw PolicyError.malformedOutput(field: field, detail: "__numpy__ is not base64 text")
        }
        guard let dtype = v["dtype"]?.string else { throw PolicyError.malformedOutput(field: field, detail: "missing dtype") }
        guard let shapeList = v["shape"]?.array else { throw PolicyError.malformedOutput(field: field, detail: "missing shape") }
        let shape = shapeList.compactMap { $0.double.map { Int($0) } }
        let count = shape.reduce(1, *)
        let values = try NumpyBytes.doubles(data: [UInt8](data), dtype: dtype, count: count, field: field)
        return (values, shape)
    }
}

/// Raw numpy buffers (little-endian or byte-order-free dtypes) as doubles.
enum NumpyBytes {
    static func doubles(data: [UInt8], dtype: String, count: Int, field: String) throws -> [Double] {
        let size: Int
        switch dtype {
        case "<f4", "<i4", "<u4": size = 4
        case "<f8", "<i8", "<u8": size = 8
        case "<f2", "<i2", "<u2": size = 2
        case "|u1", "|i1", "|b1": size = 1
        default: throw PolicyError.malformedOutput(field: field, detail: "dtype \(dtype) is not supported (little-endian numbers only)")
        }
        guard data.count == count * size else {
            throw PolicyError.malformedOutput(field: field, detail: "\(data.count) bytes for \(count) values of \(dtype)")
        }
        return data.withUnsafeBytes { raw -> [Double] in
            (0..<count).map { k in
                let o = k * size
                switch dtype {
                case "<f4": return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))))
                case "<f8": return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                case "<f2": return Double(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))))
                case "<i4": return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                case "<u4": return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                case "<i8": return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int64.self)))
                case "<u8": return Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                case "<i2": return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                case "<u2": return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                case "|i1": return Double(Int8(bitPattern: raw[o]))
                default: return Double(raw[o])
                }
            }
        }
    }
}
