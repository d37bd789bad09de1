// Thrift compact protocol, the encoding of Parquet's footer and page headers. Values are decoded into a
// small generic tree (field id -> value) so that unknown fields are skipped, and encoded from the same tree.

/// Compact-protocol type codes.
enum ThriftType: UInt8 {
    case boolTrue = 1
    case boolFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
}

/// A decoded Thrift value.
indirect enum ThriftValue {
    case bool(Bool)
    case int(Int64, ThriftType)  // byte, i16, i32 or i64
    case double(Double)
    case binary([UInt8])
    case list(ThriftType, [ThriftValue])
    case structure([(Int16, ThriftValue)])

    static func i32(_ v: Int) -> ThriftValue { .int(Int64(v), .i32) }
    static func i64(_ v: Int) -> ThriftValue { .int(Int64(v), .i64) }
    static func string(_ s: String) -> ThriftValue { .binary(Array(s.utf8)) }

    var type: ThriftType {
        switch self {
        case .bool(let b): return b ? .boolTrue : .boolFalse
        case .int(_, let t): return t
        case .double: return .double
        case .binary: return .binary
        case .list: return .list
        case .structure: return .structure
        }
    }
}

// MARK: - Encoding

struct ThriftEncoder {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func write(_ value: ThriftValue) {
        switch value {
        case .bool(let b): bytes.append(b ? 1 : 2)  // only inside lists; fields carry it in the type
        case .int(let v, let t): if t == .byte { bytes.append(UInt8(truncatingIfNeeded: v)) } else { zigzag(v) }
        case .double(let d): withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        case .binary(let b):
            varint(UInt64(b.count))
            bytes.append(contentsOf: b)
        case .list(let t, let items):
            if items.count < 15 {
                bytes.append(UInt8(items.count) << 4 | t.rawValue)
            } else {
                bytes.append(0xF0 | t.rawValue)
                varint(UInt64(items.count))
            }
            for item in items { write(item) }
        case .structure(let fields):
            var last: Int16 = 0
            for (id, v) in fields {
                let t: UInt8 = v.type.rawValue
                let delta = Int(id) - Int(last)
                if delta > 0 && delta <= 15 {
                    bytes.append(UInt8(delta) << 4 | t)
                } else {
                    bytes.append(t)
                    zigzag(Int64(id))
                }
                if case .bool = v {} else { write(v) }
                last = id
            }
            bytes.append(0)
        }
    }
}

// MARK: - Decoding

/// Decodes compact-protocol structs from a byte buffer; errors name the file and the byte offset.
struct ThriftDecoder {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let file: String
    let base: Int  // file offset of bytes[0], for error messages

    func fail(_ message: String) -> DatasetError {
        DatasetError(file: file, location: "byte \(base + position)", "corrupt Thrift metadata: \(message)")
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }
    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    mutating func value(_ type: ThriftType, depth: Int = 0) throws -> ThriftValue {
        guard depth < 64 else { throw fail("nesting deeper than 64") }
        switch type {
        case .boolTrue, .boolFalse: return .bool(try byte() == 1)
        case .byte: return .int(Int64(Int8(bitPattern: try byte())), .byte)
        case .i16, .i32, .i64: return .int(try zigzag(), type)
        case .double:
            guard position + 8 <= bytes.count else { throw fail("truncated double") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            return .double(Double(bitPattern: bits))
        case .binary:
            let n = Int(try varint())
            guard n >= 0, position + n <= bytes.count else { throw fail("binary of \(n) bytes runs past the end") }
            defer { position += n }
            return .binary(Array(bytes[position..<position + n]))
        case .list, .set:
            let header = try byte()
            var count = Int(header >> 4)
            if count == 15 { count = Int(try varint()) }
            guard let et = ThriftType(rawValue: header & 0x0F) else { throw fail("unknown list element type \(header & 0x0F)") }
            guard count <= bytes.count - position + 1 else { throw fail("list of \(count) elements runs past the end") }
            var items: [ThriftValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try value(et, depth: depth + 1)) }
            return .list(et, items)
        case .map:
            let count = Int(try varint())
            if count == 0 { return .list(.map, []) }
            let kv = try byte()
            guard let kt = ThriftType(rawValue: kv >> 4), let vt = ThriftType(rawValue: kv & 0x0F) else { throw fail("bad map types") }
            for _ in 0..<count {
                _ = try value(kt, depth: depth + 1)
                _ = try value(vt, depth: depth + 1)
            }
            return .list(.map, [])
        case .structure:
            var fields: [(Int16, ThriftValue)] = []
            var last: Int16 = 0
            while true {
                let h = try byte()
                if h == 0 { return .structure(fields) }
                guard let t = ThriftType(rawValue: h & 0x0F) else { throw fail("unknown field type \(h & 0x0F)") }
                let delta = Int16(h >> 4)
                let id = delta == 0 ? Int16(truncatingIfNeeded: try zigzag()) : last + delta
                last = id
                if t == .boolTrue || t == .boolFalse {
                    fields.append((id, .bool(t == .boolTrue)))
                } else {
                    fields.append((id, try value(t, depth: depth + 1)))
                }
            }
        }
    }
}

// MARK: - Field access on decoded structs

/// A decoded struct with typed field getters that throw naming the struct and field when absent or mistyped.
struct ThriftStruct {
    let fields: [(Int16, ThriftValue)]
    let name: String
    let file: String

    init(_ value: ThriftValue, name: String, file: String) throws {
        guard case .structure(let f) = value else {
            throw DatasetError(file: file, location: name, "expected a Thrift struct")
        }
        fields = f
        self.name = name
        self.file = file
    }

    subscript(id: Int16) -> ThriftValue? { fields.first { $0.0 == id }?.1 }

    func missing(_ id: Int16, _ what: String) -> DatasetError {
        DatasetError(file: file, location: "\(name) field \(id) (\(what))", "missing or of the wrong type")
    }
    func int(_ id: Int16, _ what: String) throws -> Int {
        guard case .int(let v, _)? = self[id] else { throw missing(id, what) }
        return Int(v)
    }
    func optionalInt(_ id: Int16) -> Int? {
        if case .int(let v, _)? = self[id] { return Int(v) }
        return nil
    }
    func string(_ id: Int16, _ what: String) throws -> String {
        guard case .binary(let b)? = self[id] else { throw missing(id, what) }
        return String(decoding: b, as: UTF8.self)
    }
    func optionalString(_ id: Int16) -> String? {
        if case .binary(let b)? = self[id] { return String(decoding: b, as: UTF8.self) }
        return nil
    }
    func list(_ id: Int16, _ what: String) throws -> [ThriftValue] {
        guard case .list(_, let items)? = self[id] else { throw missing(id, what) }
        return items
    }
    func structure(_ id: Int16, _ what: String) throws -> ThriftStruct {
        guard let v = self[id] else { throw missing(id, what) }
        return try ThriftStruct(v, name: "\(name).\(what)", file: file)
    }
}
