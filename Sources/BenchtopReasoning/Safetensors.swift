import Foundation

/// An error reading a tensor file: names the file, the tensor key (when one is involved) and what was expected.
public struct TensorFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var key: String?
    public var message: String

    public init(file: String, key: String? = nil, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(file): tensor '\(key)': \(message)" }
        return "\(file): \(message)"
    }
}

/// A safetensors file held in memory: an 8-byte little-endian header length, a JSON header mapping names to
/// dtype, shape and data offsets, then the raw little-endian tensor bytes.
public struct SafetensorsFile: Sendable {
    /// The element types Benchtop reads.
    public enum DType: String, Sendable {
        case f32 = "F32"
        case i64 = "I64"
        case i32 = "I32"
        case u8 = "U8"
        case bf16 = "BF16"

        var size: Int {
            switch self {
            case .f32, .i32: 4
            case .i64: 8
            case .u8: 1
            case .bf16: 2
            }
        }
    }

    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        /// Byte range inside the data section.
        public var range: Range<Int>
    }

    /// The file name used in error messages.
    public let name: String
    public let entries: [String: Entry]
    /// The header's `__metadata__` (string to string), empty when the file has none.
    public let metadata: [String: String]
    let data: Data
    let dataStart: Int

    /// Reads and validates the header of the file at `path`.
    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let bytes: Data
        do { bytes = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw TensorFileError(file: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(data: bytes, name: path)
    }

    /// Parses a safetensors image from memory; `name` labels errors.
    public init(data: Data, name: String) throws {
        let bytes = Data(data)  // rebase so indices start at 0
        guard bytes.count >= 8 else {
            throw TensorFileError(file: name, message: "file is \(bytes.count) bytes; expected an 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw TensorFileError(file: name, message: "header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<headerEnd)) } catch {
            throw TensorFileError(file: name, message: "header (bytes 8..<\(headerEnd)) is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw TensorFileError(file: name, message: "header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let fields = raw as? [String: Any] else {
                throw TensorFileError(file: name, key: "__metadata__", message: "expected a JSON object of strings")
            }
            for (key, value) in fields {
                guard let text = value as? String else {
                    throw TensorFileError(file: name, key: "__metadata__", message: "entry '\(key)' is not a string")
                }
                metadata[key] = text
            }
        }
        let dataSize = bytes.count - headerEnd
        var entries: [String: Entry] = [:]
        for (key, value) in header where key != "__metadata__" {
            guard let fields = value as? [String: Any], let dtypeName = fields["dtype"] as? String,
                let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                offsets.count == 2
            else {
                throw TensorFileError(file: name, key: key, message: "header entry needs dtype, shape and data_offsets [begin, end]")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw TensorFileError(
                    file: name, key: key,
                    message: "dtype \(dtypeName) is not supported; expected F32, BF16, I64, I32 or U8")
            }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] <= dataSize, offsets[1] - offsets[0] == count * dtype.size else {
                throw TensorFileError(
                    file: name, key: key,
                    message: "data_offsets \(offsets) do not hold \(count) \(dtypeName) values inside the \(dataSize)-byte data section")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.name = name
        self.entries = entries
        self.metadata = metadata
        self.data = bytes
        self.dataStart = headerEnd
    }

    /// Tensor names, sorted.
    public var keys: [String] { entries.keys.sorted() }

    /// The tensor `key` as Float, checking its shape when `shape` is given. F32 and BF16 convert exactly;
    /// integer tensors convert to the nearest Float.
    public func floats(_ key: String, shape expected: [Int]? = nil) throws -> [Float] {
        let entry = try entry(key, shape: expected)
        let count = entry.shape.reduce(1, *)
        let start = dataStart + entry.range.lowerBound
        return data.withUnsafeBytes { raw -> [Float] in
            let base = raw.baseAddress! + start
            switch entry.dtype {
            case .f32:
                return (0..<count).map { Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .bf16:
                return (0..<count).map {
                    Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16)
                }
            case .i64:
                return (0..<count).map { Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            case .i32:
                return (0..<count).map { Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .u8:
                return (0..<count).map { Float(base.load(fromByteOffset: $0, as: UInt8.self)) }
            }
        }
    }

    /// The integer tensor `key` (I64, I32 or U8) as Int.
    public func integers(_ key: String, shape expected: [Int]? = nil) throws -> [Int] {
        let entry = try entry(key, shape: expected)
        let count = entry.shape.reduce(1, *)
        let start = dataStart + entry.range.lowerBound
        return try data.withUnsafeBytes { raw -> [Int] in
            let base = raw.baseAddress! + start
            switch entry.dtype {
            case .i64: return (0..<count).map { Int(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            case .i32: return (0..<count).map { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .u8: return (0..<count).map { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
            case .f32, .bf16:
                throw TensorFileError(file: name, key: key, message: "has dtype \(entry.dtype.rawValue); expected an integer dtype")
            }
        }
    }

    /// The header entry for `key`, checking its shape when `shape` is given.
    public func entry(_ key: String, shape expected: [Int]? = nil) throws -> Entry {
        guard let entry = entries[key] else {
            let shapeText = expected.map { " with shape \($0)" } ?? ""
            throw TensorFileError(file: name, key: key, message: "missing; expected a tensor\(shapeText)")
        }
        if let expected, entry.shape != expected {
            throw TensorFileError(file: name, key: key, message: "has shape \(entry.shape); expected \(expected)")
        }
        return entry
    }

    /// Serialises F32 tensors to the safetensors format (keys sorted, header padded to 8 bytes).
    public static func encode(_ tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String] = [:]) -> Data {
        var header: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            precondition(t.shape.reduce(1, *) == t.values.count, "tensor \(name): shape does not match value count")
            let size = t.values.count * 4
            let shapeText = t.shape.map(String.init).joined(separator: ",")
            header.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var headerBytes = Array("{\(header.joined(separator: ","))}".utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = Data()
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            #if _endian(little)
                tensors[name]!.values.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
                for v in tensors[name]!.values {
                    var bits = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
                }
            #endif
        }
        return out
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}
