import BenchtopCore
import Foundation

/// Reads Parquet files of the subset `ParquetWriter` writes, and the same shapes written by pyarrow
/// (PLAIN or dictionary encoding, data page v1 or v2, optional or required nodes, no nulls).
/// Errors name the file, the byte offset or column, and what was expected.
public struct ParquetFile {
    public let path: String
    public let schema: [ParquetField]
    public let rowCount: Int
    /// Rows in each row group.
    public let rowGroupRowCounts: [Int]
    /// Footer key-value metadata (e.g. "pandas", "huggingface", "ARROW:schema").
    public let keyValueMetadata: [String: String]

    private let data: [UInt8]
    private let leaves: [Leaf]
    private let rowGroups: [ThriftStruct]

    /// Reads and parses the footer of the file at `path`.
    public init(path: String) throws {
        // A regular file only: a FIFO or a device named as a data file must not block or read forever.
        let d: Data
        do { d = try BoundedFile.read(path, maxBytes: 1 << 36) } catch let e as FileRootError {
            throw DatasetError(file: path, e.message)
        }
        try self.init(path: path, bytes: [UInt8](d))
    }

    init(path: String, bytes: [UInt8]) throws {
        self.path = path
        data = bytes
        let n = data.count
        guard n >= 12, Array(data[0..<4]) == ParquetFormat.magic, Array(data[(n - 4)...]) == ParquetFormat.magic else {
            throw DatasetError(
                file: path, location: "byte \(max(0, n - 4))",
                "Parquet magic bytes not found (expected \"PAR1\" at the start and end of the file; an unfinished write?)")
        }
        let footerLength = Int(UInt32(data[n - 8]) | UInt32(data[n - 7]) << 8 | UInt32(data[n - 6]) << 16 | UInt32(data[n - 5]) << 24)
        let footerStart = n - 8 - footerLength
        guard footerLength > 0, footerStart >= 4 else {
            throw DatasetError(file: path, location: "byte \(n - 8)", "footer length \(footerLength) does not fit in a \(n)-byte file")
        }
        let meta: ThriftValue = try data.withUnsafeBytes { buf in
            var dec = ThriftDecoder(
                bytes: UnsafeRawBufferPointer(rebasing: buf[footerStart..<(n - 8)]), position: 0,
                file: path, base: footerStart)
            return try dec.value(.structure)
        }
        let file = try ThriftStruct(meta, name: "FileMetaData", file: path)
        rowCount = try file.int(3, "num_rows")
        rowGroups = try file.list(4, "row_groups").enumerated().map { try ThriftStruct($1, name: "RowGroup[\($0)]", file: path) }
        rowGroupRowCounts = try rowGroups.map { try $0.int(3, "num_rows") }
        var kv: [String: String] = [:]
        if case .list(_, let items)? = file[5] {
            for item in items {
                let s = try ThriftStruct(item, name: "KeyValue", file: path)
                kv[try s.string(1, "key")] = s.optionalString(2) ?? ""
            }
        }
        keyValueMetadata = kv
        let elements = try file.list(2, "schema").enumerated().map { try ThriftStruct($1, name: "SchemaElement[\($0)]", file: path) }
        leaves = try Self.parseSchema(elements, path: path)
        schema = leaves.map(\.field)
    }

    // MARK: Schema

    private static func parseSchema(_ elements: [ThriftStruct], path: String) throws -> [Leaf] {
        guard let root = elements.first else { throw DatasetError(file: path, location: "schema", "empty schema") }
        var index = 1
        var leaves: [Leaf] = []
        func fail(_ name: String, _ msg: String) -> DatasetError {
            DatasetError(file: path, location: "column \(name)", msg)
        }
        func next() throws -> ThriftStruct {
            guard index < elements.count else { throw DatasetError(file: path, location: "schema", "schema ends early") }
            defer { index += 1 }
            return elements[index]
        }
        for _ in 0..<(root.optionalInt(5) ?? 0) {
            let top = try next()
            let name = try top.string(4, "name")
            var node = top
            var def = 0
            var rep = 0
            var depth = 0
            var repeatedDefs: [Int] = []
            while true {
                let repetition = node.optionalInt(3) ?? ParquetFormat.required
                if repetition == ParquetFormat.optional { def += 1 }
                let children = node.optionalInt(5) ?? 0
                if children == 0 {
                    guard repetition != ParquetFormat.repeated else {
                        throw fail(name, "legacy repeated primitive column is not supported (expected a 3-level LIST)")
                    }
                    let physical = try node.int(1, "type")
                    let isString =
                        node.optionalInt(6) == ParquetFormat.utf8
                        || {
                            if case .structure(let f)? = node[10] { return f.contains { $0.0 == 1 } }
                            return false
                        }()
                    let primitive: ParquetPrimitive
                    switch physical {
                    case ParquetFormat.boolean: primitive = .boolean
                    case ParquetFormat.int32: primitive = .int32
                    case ParquetFormat.int64: primitive = .int64
                    case ParquetFormat.float: primitive = .float
                    case ParquetFormat.double: primitive = .double
                    case ParquetFormat.byteArray:
                        primitive = .string
                        _ = isString
                    default:
                        throw fail(name, "physical type \(physical) is not supported (expected BOOLEAN, INT32, INT64, FLOAT, DOUBLE or BYTE_ARRAY)")
                    }
                    leaves.append(
                        Leaf(
                            field: ParquetField(name, primitive, listDepth: depth), maxDef: def, maxRep: rep,
                            repeatedDefs: repeatedDefs, physicalType: physical))
                    break
                }
                // A group must be a LIST: group (LIST) { repeated group list { element } }.
                let isList =
                    node.optionalInt(6) == ParquetFormat.list
                    || {
                        if case .structure(let f)? = node[10] { return f.contains { $0.0 == 3 } }
                        return false
                    }()
                guard isList, children == 1 else {
                    throw fail(
                        name,
                        "group with \(children) children is not supported (expected a primitive or a LIST; struct columns such as images are not read)"
                    )
                }
                let middle = try next()
                guard middle.optionalInt(3) == ParquetFormat.repeated, (middle.optionalInt(5) ?? 0) == 1 else {
                    throw fail(name, "LIST without the standard repeated group of one child")
                }
                def += 1
                rep += 1
                depth += 1
                repeatedDefs.append(def)
                node = try next()
            }
        }
        return leaves
    }

    // MARK: Reading columns

    /// Reads every column of every row group.
    public func readAll() throws -> [ParquetColumn] {
        try schema.map { try readColumn($0.name) }
    }

    /// Reads one column (all row groups concatenated, or just `rowGroup`).
    public func readColumn(_ name: String, rowGroup: Int? = nil) throws -> ParquetColumn {
        guard let li = leaves.firstIndex(where: { $0.field.name == name }) else {
            throw DatasetError(file: path, location: "column \(name)", "no such column (columns: \(schema.map(\.name).joined(separator: ", ")))")
        }
        let groups = rowGroup.map { [$0] } ?? Array(rowGroups.indices)
        var builder = ColumnBuilder(leaf: leaves[li])
        for g in groups {
            let chunks = try rowGroups[g].list(1, "columns")
            guard li < chunks.count else {
                throw DatasetError(file: path, location: "row group \(g)", "has \(chunks.count) column chunks, schema has \(leaves.count)")
            }
            let chunk = try ThriftStruct(chunks[li], name: "RowGroup[\(g)].ColumnChunk[\(li)]", file: path)
            do { try readChunk(try chunk.structure(3, "meta_data"), leaf: leaves[li], into: &builder) } catch let e as DatasetError {
                // Name the column in errors raised below the chunk (Thrift page headers, codecs).
                if e.location.contains("column \(name)") { throw e }
                throw DatasetError(file: path, location: "column \(name), row group \(g), \(e.location)", e.message)
            }
        }
        return try builder.finish()
    }

    private func readChunk(_ meta: ThriftStruct, leaf: Leaf, into builder: inout ColumnBuilder) throws {
        let name = leaf.field.name
        let codec = try meta.int(4, "codec")
        let numValues = try meta.int(5, "num_values")
        let totalCompressed = try meta.int(7, "total_compressed_size")
        let physical = try meta.int(1, "type")
        guard physical == leaf.physicalType else {
            throw DatasetError(file: path, location: "column \(name)", "chunk type \(physical) differs from the schema's \(leaf.physicalType)")
        }
        let dataPageOffset = try meta.int(9, "data_page_offset")
        var pos = meta.optionalInt(11).map { min($0, dataPageOffset) } ?? dataPageOffset
        let end = pos + totalCompressed
        guard pos >= 4, end <= data.count - 8 else {
            throw DatasetError(file: path, location: "column \(name), byte \(pos)", "column chunk [\(pos), \(end)) lies outside the file")
        }
        var dictionary: ParquetValues?
        var seen = 0
        while seen < numValues {
            guard pos < end else {
                throw DatasetError(file: path, location: "column \(name), byte \(pos)", "chunk ends after \(seen) of \(numValues) values")
            }
            let (header, body) = try data.withUnsafeBytes { buf -> (ThriftStruct, Int) in
                var dec = ThriftDecoder(bytes: UnsafeRawBufferPointer(rebasing: buf[pos..<end]), position: 0, file: path, base: pos)
                let h = try ThriftStruct(try dec.value(.structure), name: "PageHeader at byte \(pos)", file: path)
                return (h, pos + dec.position)
            }
            let type = try header.int(1, "type")
            let uncompressedSize = try header.int(2, "uncompressed_page_size")
            let compressedSize = try header.int(3, "compressed_page_size")
            guard compressedSize >= 0, body + compressedSize <= end else {
                throw DatasetError(file: path, location: "column \(name), byte \(pos)", "page of \(compressedSize) bytes runs past the column chunk")
            }
            let fail = { (m: String) in DatasetError(file: path, location: "column \(name), page at byte \(pos)", m) }
            let raw = Array(data[body..<(body + compressedSize)])
            switch type {
            case ParquetFormat.dictionaryPage:
                let dh = try header.structure(7, "dictionary_page_header")
                let count = try dh.int(1, "num_values")
                let bytes = try raw.withUnsafeBytes { try PageCodec.decompress($0, codec: codec, uncompressedSize: uncompressedSize, fail: fail) }
                var r = ByteReader(bytes: bytes, fail: fail)
                dictionary = try r.plain(leaf.field.primitive, count: count)
            case ParquetFormat.dataPage, ParquetFormat.dataPageV2:
                let v2 = type == ParquetFormat.dataPageV2
                let dh = try header.structure(v2 ? 8 : 5, v2 ? "data_page_header_v2" : "data_page_header")
                let count = try dh.int(1, "num_values")
                let encoding = try dh.int(v2 ? 4 : 2, "encoding")
                var page: [UInt8]
                var rep: [Int] = []
                var def: [Int] = []
                var r: ByteReader
                if v2 {
                    let defLength = try dh.int(5, "definition_levels_byte_length")
                    let repLength = try dh.int(6, "repetition_levels_byte_length")
                    let compressed: Bool = {
                        if case .bool(let b)? = dh[7] { return b }
                        return true
                    }()
                    let levelBytes = repLength + defLength
                    guard levelBytes <= compressedSize else { throw fail("level sections longer than the page") }
                    var lr = ByteReader(bytes: Array(raw[0..<levelBytes]), fail: fail)
                    if leaf.maxRep > 0 {
                        rep = try lr.hybrid(count: count, bitWidth: ParquetFormat.bitWidth(leaf.maxRep), byteLength: repLength)
                    } else {
                        lr.position += repLength
                    }
                    if leaf.maxDef > 0 { def = try lr.hybrid(count: count, bitWidth: ParquetFormat.bitWidth(leaf.maxDef), byteLength: defLength) }
                    let rest = Array(raw[levelBytes...])
                    page =
                        compressed
                        ? try rest.withUnsafeBytes {
                            try PageCodec.decompress($0, codec: codec, uncompressedSize: uncompressedSize - levelBytes, fail: fail)
                        } : rest
                    r = ByteReader(bytes: page, fail: fail)
                } else {
                    page = try raw.withUnsafeBytes { try PageCodec.decompress($0, codec: codec, uncompressedSize: uncompressedSize, fail: fail) }
                    r = ByteReader(bytes: page, fail: fail)
                    if leaf.maxRep > 0 {
                        rep = try r.hybrid(count: count, bitWidth: ParquetFormat.bitWidth(leaf.maxRep), byteLength: Int(try r.uint32()))
                    }
                    if leaf.maxDef > 0 {
                        def = try r.hybrid(count: count, bitWidth: ParquetFormat.bitWidth(leaf.maxDef), byteLength: Int(try r.uint32()))
                    }
                }
                let present = leaf.maxDef == 0 ? count : def.reduce(0) { $0 + ($1 == leaf.maxDef ? 1 : 0) }
                let values: ParquetValues
                switch encoding {
                case ParquetFormat.plain:
                    values = try r.plain(leaf.field.primitive, count: present)
                case ParquetFormat.plainDictionary, ParquetFormat.rleDictionary:
                    guard let dictionary else { throw fail("dictionary-encoded page without a dictionary page") }
                    let width = Int(try r.byte())
                    let indices = try r.hybrid(count: present, bitWidth: width, byteLength: r.bytes.count - r.position)
                    values = try Self.lookup(dictionary, indices, fail: fail)
                case ParquetFormat.rle where leaf.field.primitive == .boolean:
                    let n = Int(try r.uint32())
                    values = .boolean(try r.hybrid(count: present, bitWidth: 1, byteLength: n).map { $0 != 0 })
                default:
                    throw fail("value encoding \(encoding) is not supported (expected PLAIN or dictionary)")
                }
                try builder.append(values: values, rep: rep, def: def, count: count, fail: fail)
                seen += count
            default:
                break  // index pages and unknown pages are skipped
            }
            pos = body + compressedSize
        }
    }

    private static func lookup(_ dict: ParquetValues, _ idx: [Int], fail: (String) -> DatasetError) throws -> ParquetValues {
        func pick<T>(_ d: [T]) throws -> [T] {
            try idx.map {
                guard $0 < d.count else { throw fail("dictionary index \($0) out of range (\(d.count) entries)") }
                return d[$0]
            }
        }
        switch dict {
        case .boolean(let d): return .boolean(try pick(d))
        case .int32(let d): return .int32(try pick(d))
        case .int64(let d): return .int64(try pick(d))
        case .float(let d): return .float(try pick(d))
        case .double(let d): return .double(try pick(d))
        case .string(let d): return .string(try pick(d))
        }
    }
}

// MARK: - Byte-level decoding

struct ByteReader {
    let bytes: [UInt8]
    var position = 0
    let fail: (String) -> DatasetError

    init(bytes: [UInt8], fail: @escaping (String) -> DatasetError) {
        self.bytes = bytes
        self.fail = fail
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("page data ends early at page byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }
    mutating func uint32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("page data ends early at page byte \(position)") }
        defer { position += 4 }
        return UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
    }
    mutating func varint() throws -> Int {
        var r = 0
        var shift = 0
        while true {
            let b = try byte()
            r |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 { return r }
            shift += 7
            if shift > 56 { throw fail("varint too long at page byte \(position)") }
        }
    }

    /// Decodes `count` values of the RLE / bit-packing hybrid from the next `byteLength` bytes.
    mutating func hybrid(count: Int, bitWidth: Int, byteLength: Int) throws -> [Int] {
        let end = position + byteLength
        guard byteLength >= 0, end <= bytes.count else { throw fail("level data of \(byteLength) bytes runs past the page") }
        guard bitWidth <= 32 else { throw fail("bit width \(bitWidth) is larger than 32") }
        var out: [Int] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard position < end else { throw fail("level data ends after \(out.count) of \(count) values") }
            let header = try varint()
            if header & 1 == 0 {
                let n = header >> 1
                var v = 0
                for k in 0..<((bitWidth + 7) / 8) { v |= Int(try byte()) << (8 * k) }
                out.append(contentsOf: repeatElement(v, count: min(n, count - out.count)))
            } else {
                let n = (header >> 1) * 8
                let nbytes = (n * bitWidth + 7) / 8
                guard position + nbytes <= end else { throw fail("bit-packed run of \(n) values runs past the level data") }
                var acc: UInt64 = 0
                var bits = 0
                var p = position
                let mask: UInt64 = (1 << UInt64(bitWidth)) - 1
                for _ in 0..<n {
                    while bits < bitWidth {
                        acc |= UInt64(bytes[p]) << UInt64(bits)
                        p += 1
                        bits += 8
                    }
                    if out.count < count { out.append(Int(acc & mask)) }
                    acc >>= UInt64(bitWidth)
                    bits -= bitWidth
                }
                position += nbytes
            }
        }
        position = end
        return out
    }

    mutating func plain(_ primitive: ParquetPrimitive, count: Int) throws -> ParquetValues {
        func fixed<T>(_ size: Int, _ type: T.Type) throws -> [T] {
            guard position + size * count <= bytes.count else {
                throw fail("\(count) PLAIN \(primitive.rawValue) values need \(size * count) bytes, page has \(bytes.count - position)")
            }
            let out = [T](unsafeUninitializedCapacity: count) { buf, n in
                bytes.withUnsafeBytes { src in
                    UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[position..<(position + size * count)]))
                }
                n = count
            }
            position += size * count
            return out
        }
        switch primitive {
        case .boolean:
            guard position + (count + 7) / 8 <= bytes.count else { throw fail("\(count) PLAIN booleans run past the page") }
            let v = (0..<count).map { bytes[position + $0 >> 3] >> UInt8($0 & 7) & 1 == 1 }
            position += (count + 7) / 8
            return .boolean(v)
        case .int32: return .int32(try fixed(4, Int32.self))
        case .int64: return .int64(try fixed(8, Int64.self))
        case .float: return .float(try fixed(4, Float.self))
        case .double: return .double(try fixed(8, Double.self))
        case .string:
            var v: [String] = []
            v.reserveCapacity(count)
            for _ in 0..<count {
                let n = Int(try uint32())
                guard position + n <= bytes.count else { throw fail("string of \(n) bytes runs past the page") }
                v.append(String(decoding: bytes[position..<(position + n)], as: UTF8.self))
                position += n
            }
            return .string(v)
        }
    }
}

/// A leaf column of the schema with its level bounds.
struct Leaf {
    var field: ParquetField
    var maxDef: Int
    var maxRep: Int
    /// Definition level reached inside each repeated node along the path (outermost first).
    var repeatedDefs: [Int]
    var physicalType: Int
}

// MARK: - Assembling rows from levels

/// Rebuilds rows (and each row's list shape) from repetition and definition levels, page by page.
struct ColumnBuilder {
    let leaf: Leaf
    var values: ParquetValues?
    var scalarRows = 0
    var shapes: [[Int]] = []
    /// counts[k]: leaves of the open row whose repetition level is at most k + 1.
    var counts: [Int] = []
    var rowOpen = false
    var emptyRow = false

    init(leaf: Leaf) { self.leaf = leaf }

    mutating func append(values v: ParquetValues, rep: [Int], def: [Int], count: Int, fail: (String) -> DatasetError) throws {
        if let existing = values { values = try existing.appending(v, fail: fail) } else { values = v }
        let depth = leaf.field.listDepth
        if depth == 0 {
            if leaf.maxDef > 0, let bad = def.prefix(count).firstIndex(where: { $0 != leaf.maxDef }) {
                throw fail("null value at row \(scalarRows + bad) (expected non-null values)")
            }
            scalarRows += count
            return
        }
        for i in 0..<count {
            let r = rep[i]
            let d = def[i]
            if r == 0 {
                closeRow()
                rowOpen = true
                emptyRow = false
                counts = [Int](repeating: 0, count: depth)
            } else if !rowOpen || emptyRow {
                throw fail("repetition level \(r) continues a row that was not started or is empty")
            }
            if d == leaf.maxDef {
                for k in max(0, r - 1)..<depth { counts[k] += 1 }
            } else if r == 0 && d == leaf.repeatedDefs[0] - 1 {
                emptyRow = true
            } else {
                throw fail("null or empty nested value in row \(shapes.count) (definition level \(d), expected \(leaf.maxDef))")
            }
        }
    }

    private mutating func closeRow() {
        guard rowOpen else { return }
        if emptyRow {
            shapes.append([0] + [Int](repeating: 1, count: leaf.field.listDepth - 1))
            rowOpen = false
            return
        }
        var dims = [counts[0]]
        for k in 1..<counts.count { dims.append(counts[k - 1] == 0 ? 0 : counts[k] / counts[k - 1]) }
        shapes.append(dims)
        rowOpen = false
    }

    mutating func finish() throws -> ParquetColumn {
        closeRow()
        let v = values ?? ParquetValues.empty(leaf.field.primitive)
        if leaf.field.listDepth == 0 { return ParquetColumn(leaf.field, v) }
        if let first = shapes.first, shapes.allSatisfy({ $0 == first }), first.reduce(1, *) > 0 {
            return ParquetColumn(leaf.field, v, shape: .fixed(first))
        }
        return ParquetColumn(leaf.field, v, shape: .perRow(shapes))
    }
}

extension ParquetValues {
    static func empty(_ p: ParquetPrimitive) -> ParquetValues {
        switch p {
        case .boolean: .boolean([])
        case .int32: .int32([])
        case .int64: .int64([])
        case .float: .float([])
        case .double: .double([])
        case .string: .string([])
        }
    }

    func appending(_ other: ParquetValues, fail: (String) -> DatasetError) throws -> ParquetValues {
        switch (self, other) {
        case (.boolean(let a), .boolean(let b)): return .boolean(a + b)
        case (.int32(let a), .int32(let b)): return .int32(a + b)
        case (.int64(let a), .int64(let b)): return .int64(a + b)
        case (.float(let a), .float(let b)): return .float(a + b)
        case (.double(let a), .double(let b)): return .double(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        default: throw fail("pages of one column hold different value types")
        }
    }
}
