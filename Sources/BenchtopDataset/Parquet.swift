// The subset of Apache Parquet that LeRobot datasets use: non-null scalar columns (bool, int32, int64, float,
// double, string) and nested lists of them (list<float>, list<list<list<double>>>, list<string>), PLAIN
// encoding, data page v1, Snappy or Zstandard compression.

/// The leaf value type of a Parquet column.
public enum ParquetPrimitive: String, Sendable, Hashable {
    case boolean, int32, int64, float, double, string
}

/// One top-level column of a Parquet schema: a primitive, or `listDepth` nested lists of it.
public struct ParquetField: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var primitive: ParquetPrimitive
    /// 0 for a scalar, 1 for list<primitive>, 2 for list<list<primitive>>, ...
    public var listDepth: Int

    public init(_ name: String, _ primitive: ParquetPrimitive, listDepth: Int = 0) {
        self.name = name
        self.primitive = primitive
        self.listDepth = listDepth
    }

    /// The Arrow type pyarrow reports for this column, e.g. `list<element: float>`.
    public var arrowType: String {
        var t: String
        switch primitive {
        case .boolean: t = "bool"
        case .int32: t = "int32"
        case .int64: t = "int64"
        case .float: t = "float"
        case .double: t = "double"
        case .string: t = "string"
        }
        for _ in 0..<listDepth { t = "list<element: \(t)>" }
        return t
    }

    public var description: String { "\(name): \(arrowType)" }
}

/// The leaf values of a column, all rows concatenated in row-major order.
public enum ParquetValues: Sendable, Equatable {
    case boolean([Bool])
    case int32([Int32])
    case int64([Int64])
    case float([Float])
    case double([Double])
    case string([String])

    public var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .float(let v): v.count
        case .double(let v): v.count
        case .string(let v): v.count
        }
    }

    var primitive: ParquetPrimitive {
        switch self {
        case .boolean: .boolean
        case .int32: .int32
        case .int64: .int64
        case .float: .float
        case .double: .double
        case .string: .string
        }
    }
}

/// How a column's leaf values divide into rows.
public enum ParquetShape: Sendable, Equatable {
    /// One value per row.
    case scalar
    /// Every row holds a (nested) list of the same shape, e.g. [7] or [3, 1, 1].
    case fixed([Int])
    /// Each row's shape (for lists whose length varies by row, e.g. list<string>).
    case perRow([[Int]])
}

/// A column's values for a number of rows.
public struct ParquetColumn: Sendable, Equatable {
    public var field: ParquetField
    public var values: ParquetValues
    public var shape: ParquetShape

    public init(_ field: ParquetField, _ values: ParquetValues, shape: ParquetShape = .scalar) {
        self.field = field
        self.values = values
        self.shape = shape
    }

    /// The number of rows.
    public var rowCount: Int {
        switch shape {
        case .scalar: return values.count
        case .fixed(let s):
            let n = s.reduce(1, *)
            return n == 0 ? 0 : values.count / n
        case .perRow(let rows): return rows.count
        }
    }

    /// Each row's list shape ([] for scalars), whichever way `shape` stores it.
    public var rowShapes: [[Int]] {
        switch shape {
        case .scalar: return Array(repeating: [], count: values.count)
        case .fixed(let s): return Array(repeating: s, count: rowCount)
        case .perRow(let rows): return rows
        }
    }

    /// Leaf counts of each row (offsets into `values` are their running sums).
    var rowLeafCounts: [Int] {
        switch shape {
        case .scalar: return Array(repeating: 1, count: values.count)
        case .fixed(let s): return Array(repeating: s.reduce(1, *), count: rowCount)
        case .perRow(let rows): return rows.map { $0.reduce(1, *) }
        }
    }

    // Convenience constructors used by the dataset writer.
    public static func int64(_ name: String, _ v: [Int64]) -> ParquetColumn { .init(.init(name, .int64), .int64(v)) }
    public static func float(_ name: String, _ v: [Float]) -> ParquetColumn { .init(.init(name, .float), .float(v)) }
    public static func double(_ name: String, _ v: [Double]) -> ParquetColumn { .init(.init(name, .double), .double(v)) }
    public static func string(_ name: String, _ v: [String]) -> ParquetColumn { .init(.init(name, .string), .string(v)) }
    public static func boolean(_ name: String, _ v: [Bool]) -> ParquetColumn { .init(.init(name, .boolean), .boolean(v)) }
}

/// Page compression.
public enum ParquetCompression: String, Sendable, CaseIterable {
    case none, snappy, zstd

    var thriftCode: Int {
        switch self {
        case .none: 0
        case .snappy: 1
        case .zstd: 6
        }
    }
}

// MARK: - Shared constants of the format

enum ParquetFormat {
    static let magic: [UInt8] = Array("PAR1".utf8)
    // Physical types.
    static let boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
    // Repetition.
    static let required = 0, optional = 1, repeated = 2
    // Encodings.
    static let plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, rleDictionary = 8
    // Page types.
    static let dataPage = 0, dictionaryPage = 2, dataPageV2 = 3
    // Converted types.
    static let utf8 = 0, list = 3

    static func physicalType(_ p: ParquetPrimitive) -> Int {
        switch p {
        case .boolean: boolean
        case .int32: int32
        case .int64: int64
        case .float: float
        case .double: double
        case .string: byteArray
        }
    }

    /// Bits needed to store levels up to `maxLevel`.
    static func bitWidth(_ maxLevel: Int) -> Int { maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount }
}
