import Foundation

/// Writes a Parquet file: one row group per `write(_:)` call, one PLAIN data page (v1) per column chunk,
/// nullable columns without nulls (as pyarrow writes them), lists in the standard three-level LIST layout.
/// Nothing is readable until `close()` writes the footer.
public final class ParquetWriter {
    public let path: String
    public let schema: [ParquetField]
    public let compression: ParquetCompression
    private var keyValues: [(String, String)]
    private let handle: FileHandle
    private var offset = 0
    private var rowGroups: [ThriftValue] = []
    private var totalRows = 0
    private var closed = false

    /// Creates (truncates) the file at `path`. `keyValueMetadata` goes into the footer (e.g. "pandas").
    public init(
        path: String, schema: [ParquetField], compression: ParquetCompression = .snappy,
        keyValueMetadata: [(String, String)] = []
    ) throws {
        self.path = path
        self.schema = schema
        self.compression = compression
        self.keyValues = keyValueMetadata
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw DatasetError(file: path, "cannot create the file")
        }
        handle = h
        try emit(ParquetFormat.magic)
    }

    deinit { if !closed { try? handle.close() } }

    private func emit(_ bytes: [UInt8]) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw DatasetError(file: path, location: "byte \(offset)", "write failed: \(error)")
        }
        offset += bytes.count
    }

    /// Writes one row group; the columns must match the schema in order and have equal row counts.
    public func write(_ columns: [ParquetColumn]) throws {
        precondition(!closed, "ParquetWriter.write after close")
        guard columns.count == schema.count else {
            throw DatasetError(file: path, "row group has \(columns.count) columns, schema has \(schema.count)")
        }
        let rows = columns.first?.rowCount ?? 0
        var chunks: [ThriftValue] = []
        var uncompressedTotal = 0
        var compressedTotal = 0
        let groupOffset = offset
        for (column, field) in zip(columns, schema) {
            guard column.field == field, column.values.primitive == field.primitive else {
                throw DatasetError(
                    file: path, location: "column \(field.name)",
                    "values are \(column.field.arrowType), schema says \(field.arrowType)")
            }
            guard column.rowCount == rows else {
                throw DatasetError(file: path, location: "column \(field.name)", "has \(column.rowCount) rows, expected \(rows)")
            }
            let (chunk, u, c) = try writeChunk(column)
            chunks.append(chunk)
            uncompressedTotal += u
            compressedTotal += c
        }
        let group: [(Int16, ThriftValue)] = [
            (1, .list(.structure, chunks)), (2, .i64(uncompressedTotal)), (3, .i64(rows)),
            (5, .i64(groupOffset)), (6, .i64(compressedTotal)), (7, .int(Int64(rowGroups.count), .i16)),
        ]
        rowGroups.append(.structure(group))
        totalRows += rows
    }

    private func writeChunk(_ column: ParquetColumn) throws -> (ThriftValue, Int, Int) {
        let field = column.field
        let maxRep = field.listDepth
        let maxDef = 2 * field.listDepth + 1
        var body: [UInt8] = []
        var levelCount = column.values.count
        if maxRep > 0 {
            let (rep, def, n) = Self.levels(column)
            levelCount = n
            Self.appendLengthPrefixed(&body) { LevelCodec.encode(rep, bitWidth: ParquetFormat.bitWidth(maxRep), into: &$0) }
            Self.appendLengthPrefixed(&body) { LevelCodec.encode(def, bitWidth: ParquetFormat.bitWidth(maxDef), into: &$0) }
        } else {
            Self.appendLengthPrefixed(&body) { LevelCodec.encodeRun(value: 1, count: levelCount, bitWidth: 1, into: &$0) }
        }
        PlainCodec.encode(column.values, into: &body)
        let compressed = PageCodec.compress(body, compression)
        let header: ThriftValue = .structure([
            (1, .i32(ParquetFormat.dataPage)), (2, .i32(body.count)), (3, .i32(compressed.count)),
            (
                5,
                .structure([
                    (1, .i32(levelCount)), (2, .i32(ParquetFormat.plain)),
                    (3, .i32(ParquetFormat.rle)), (4, .i32(ParquetFormat.rle)),
                ])
            ),
        ])
        var enc = ThriftEncoder()
        enc.write(header)
        let pageOffset = offset
        try emit(enc.bytes)
        try emit(compressed)
        let uncompressed = enc.bytes.count + body.count
        let total = enc.bytes.count + compressed.count
        let meta: ThriftValue = .structure([
            (1, .i32(ParquetFormat.physicalType(field.primitive))),
            (2, .list(.i32, [.i32(ParquetFormat.plain), .i32(ParquetFormat.rle)])),
            (3, .list(.binary, Self.path(of: field).map { .string($0) })),
            (4, .i32(compression.thriftCode)), (5, .i64(levelCount)),
            (6, .i64(uncompressed)), (7, .i64(total)), (9, .i64(pageOffset)),
        ])
        return (.structure([(2, .i64(pageOffset)), (Int16(3), meta)]), uncompressed, total)
    }

    /// Repetition and definition levels of a list column; a row with no leaves is an empty outer list.
    static func levels(_ column: ParquetColumn) -> (rep: [UInt8], def: [UInt8], count: Int) {
        let depth = column.field.listDepth
        let maxDef = UInt8(2 * depth + 1)
        var rep: [UInt8] = []
        var def: [UInt8] = []
        rep.reserveCapacity(column.values.count)
        def.reserveCapacity(column.values.count)
        func appendRow(_ shape: [Int]) {
            let n = shape.reduce(1, *)
            if n == 0 {
                rep.append(0)
                def.append(1)
                return
            }
            // stride[j] = leaves per element of dimension j; leaf i > 0 starts a new element at the outermost j
            // whose stride divides it, which is repetition level j + 1.
            var strides = [Int](repeating: 1, count: shape.count)
            for j in stride(from: shape.count - 2, through: 0, by: -1) { strides[j] = strides[j + 1] * shape[j + 1] }
            for i in 0..<n {
                var level = 0
                if i > 0 { level = (strides.firstIndex { i % $0 == 0 } ?? depth - 1) + 1 }
                rep.append(UInt8(level))
                def.append(maxDef)
            }
        }
        switch column.shape {
        case .scalar: break
        case .fixed(let s):
            let n = s.reduce(1, *)
            if n > 0 {
                var one: [UInt8] = []
                let save = rep
                rep = []
                appendRow(s)
                one = rep
                rep = save
                for _ in 0..<column.rowCount { rep.append(contentsOf: one) }
                def = [UInt8](repeating: maxDef, count: rep.count)
            } else {
                for _ in 0..<column.rowCount { appendRow(s) }
            }
        case .perRow(let shapes): for s in shapes { appendRow(s) }
        }
        return (rep, def, rep.count)
    }

    private static func appendLengthPrefixed(_ out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        body(&out)
        let n = UInt32(out.count - start - 4)
        for k in 0..<4 { out[start + k] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(k))) }
    }

    /// Column path in the schema: [name] or [name, "list", "element", "list", "element", ...].
    static func path(of field: ParquetField) -> [String] {
        var p = [field.name]
        for _ in 0..<field.listDepth { p += ["list", "element"] }
        return p
    }

    /// Schema elements (depth first) of one field.
    static func schemaElements(_ field: ParquetField) -> [ThriftValue] {
        var out: [ThriftValue] = []
        let listLogical: ThriftValue = .structure([(3, .structure([]))])
        for level in 0..<field.listDepth {
            out.append(
                .structure([
                    (3, .i32(ParquetFormat.optional)), (4, .string(level == 0 ? field.name : "element")),
                    (5, .i32(1)), (6, .i32(ParquetFormat.list)), (Int16(10), listLogical),
                ]))
            out.append(.structure([(3, .i32(ParquetFormat.repeated)), (4, .string("list")), (5, .i32(1))]))
        }
        var leaf: [(Int16, ThriftValue)] = [
            (1, .i32(ParquetFormat.physicalType(field.primitive))),
            (3, .i32(ParquetFormat.optional)),
            (4, .string(field.listDepth == 0 ? field.name : "element")),
        ]
        if field.primitive == .string { leaf += [(6, .i32(ParquetFormat.utf8)), (10, .structure([(1, .structure([]))]))] }
        out.append(.structure(leaf))
        return out
    }

    /// Writes the footer and closes the file.
    public func close() throws {
        guard !closed else { return }
        closed = true
        var elements: [ThriftValue] = [.structure([(4, .string("schema")), (5, .i32(schema.count))])]
        for f in schema { elements += Self.schemaElements(f) }
        var meta: [(Int16, ThriftValue)] = [(1, .i32(2)), (2, .list(.structure, elements))]
        meta += [(3, .i64(totalRows)), (4, .list(.structure, rowGroups))]
        if !keyValues.isEmpty {
            meta.append((5, .list(.structure, keyValues.map { .structure([(1, .string($0.0)), (2, .string($0.1))]) })))
        }
        meta.append((6, .string("Benchtop parquet writer version 1.0.0")))
        var enc = ThriftEncoder()
        enc.write(.structure(meta))
        let n = UInt32(enc.bytes.count)
        try emit(enc.bytes + (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * UInt32($0))) } + ParquetFormat.magic)
        // No fsync: a killed process loses nothing the kernel already holds; power loss is out of scope.
        do { try handle.close() } catch {
            throw DatasetError(file: path, "cannot flush and close: \(error)")
        }
    }
}

// MARK: - Encodings

/// The RLE / bit-packing hybrid encoding of levels (and dictionary indices).
enum LevelCodec {
    static func varint(_ v: Int, into out: inout [UInt8]) {
        var v = UInt64(v)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func encodeRun(value: Int, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        guard count > 0 else { return }
        varint(count << 1, into: &out)
        for k in 0..<((bitWidth + 7) / 8) { out.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }

    /// Runs of 8 or more equal values become RLE runs; everything between them is bit-packed in groups of 8
    /// (only the final group may be padded, since readers stop at the level count).
    static func encode(_ levels: [UInt8], bitWidth: Int, into out: inout [UInt8]) {
        let n = levels.count
        var packed: [UInt8] = []
        var groups = 0
        func flush() {
            guard groups > 0 else { return }
            varint(groups << 1 | 1, into: &out)
            out.append(contentsOf: packed)
            packed.removeAll(keepingCapacity: true)
            groups = 0
        }
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && levels[j] == levels[i] { j += 1 }
            if j - i >= 8 {
                flush()
                encodeRun(value: Int(levels[i]), count: j - i, bitWidth: bitWidth, into: &out)
                i = j
                continue
            }
            var acc: UInt64 = 0
            var bits = 0
            for idx in i..<(i + 8) {
                acc |= UInt64(idx < n ? levels[idx] : 0) << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    packed.append(UInt8(truncatingIfNeeded: acc))
                    acc >>= 8
                    bits -= 8
                }
            }
            groups += 1
            i += 8
        }
        flush()
    }
}

/// PLAIN encoding of values.
enum PlainCodec {
    static func encode(_ values: ParquetValues, into out: inout [UInt8]) {
        func raw<T>(_ v: [T]) { v.withUnsafeBytes { out.append(contentsOf: $0) } }  // little-endian host
        switch values {
        case .boolean(let v):
            var byte: UInt8 = 0
            for (i, b) in v.enumerated() {
                if b { byte |= 1 << UInt8(i & 7) }
                if i & 7 == 7 {
                    out.append(byte)
                    byte = 0
                }
            }
            if v.count & 7 != 0 { out.append(byte) }
        case .int32(let v): raw(v)
        case .int64(let v): raw(v)
        case .float(let v): raw(v)
        case .double(let v): raw(v)
        case .string(let v):
            for s in v {
                let u = Array(s.utf8)
                let n = UInt32(u.count)
                for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(k)))) }
                out.append(contentsOf: u)
            }
        }
    }
}
