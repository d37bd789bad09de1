import Foundation
import Testing

@testable import BenchtopDataset

@Suite struct ParquetTests {
    /// Columns of every type Benchtop writes, with values that exercise the encodings (runs, varying lists).
    static func sampleColumns(rows n: Int, offset: Int = 0) -> [ParquetColumn] {
        let state = (0..<(n * 8)).map { Float($0 + offset * 8) * 0.125 - 3 }
        let tasks: [[String]] = (0..<n).map { i in (0..<(i % 3 + 1)).map { "task \($0) of row \(i + offset)" } }
        return [
            ParquetColumn(ParquetField("observation.state", .float, listDepth: 1), .float(state), shape: .fixed([8])),
            .float("timestamp", (0..<n).map { Float($0) / 30 }),
            .int64("index", (0..<n).map { Int64($0 + offset) }),
            .double("reward", (0..<n).map { Double($0) * 1e-3 + 1e300 * Double($0 % 2) }),
            .boolean("next.done", (0..<n).map { $0 % 5 == 0 || $0 > n - 3 }),
            .string("task", (0..<n).map { "pick cube \($0 % 4) — ünïcode" }),
            ParquetColumn(
                ParquetField("tasks", .string, listDepth: 1), .string(tasks.flatMap { $0 }),
                shape: .perRow(tasks.map { [$0.count] })),
            ParquetColumn(
                ParquetField("stats/image/mean", .double, listDepth: 3),
                .double((0..<(n * 3)).map { Double($0) / 7 }), shape: .fixed([3, 1, 1])),
            ParquetColumn(ParquetField("count", .int32), .int32((0..<n).map { Int32($0) - 5 })),
        ]
    }

    @Test(arguments: ParquetCompression.allCases)
    func writeThenReadEveryValue(compression: ParquetCompression) throws {
        let dir = try temporaryDirectory("pq")
        let path = dir + "/t.parquet"
        let groups = [Self.sampleColumns(rows: 37), Self.sampleColumns(rows: 1, offset: 37), Self.sampleColumns(rows: 100, offset: 38)]
        let w = try ParquetWriter(
            path: path, schema: groups[0].map(\.field), compression: compression,
            keyValueMetadata: [("note", "hello")])
        for g in groups { try w.write(g) }
        try w.close()

        let file = try ParquetFile(path: path)
        #expect(file.rowCount == 138)
        #expect(file.rowGroupRowCounts == [37, 1, 100])
        #expect(file.keyValueMetadata["note"] == "hello")
        #expect(file.schema == groups[0].map(\.field))
        for (i, field) in file.schema.enumerated() {
            for (g, group) in groups.enumerated() {
                let col = try file.readColumn(field.name, rowGroup: g)
                #expect(col.field == group[i].field && col.values == group[i].values, "column \(field.name), row group \(g)")
                #expect(col.rowShapes == group[i].rowShapes, "column \(field.name), row group \(g)")
            }
        }
        // Whole-file read concatenates the row groups.
        let whole = try file.readColumn("index")
        #expect(whole.values == .int64((0..<138).map { Int64($0) }))
    }

    @Test(arguments: ParquetCompression.allCases)
    func pyarrowReadsTheExpectedSchemaAndValues(compression: ParquetCompression) throws {
        try Interop.requireTools()
        let dir = try temporaryDirectory("pqa")
        let path = dir + "/t.parquet"
        let cols = Self.sampleColumns(rows: 20)
        let w = try ParquetWriter(path: path, schema: cols.map(\.field), compression: compression)
        try w.write(cols)
        try w.write(Self.sampleColumns(rows: 5, offset: 20))
        try w.close()
        let json = try Interop.run(["parquet", path])
        let schema = json["schema"] as? [String: String] ?? [:]
        #expect(schema["observation.state"] == "list<element: float>")
        #expect(schema["timestamp"] == "float")
        #expect(schema["index"] == "int64")
        #expect(schema["reward"] == "double")
        #expect(schema["next.done"] == "bool")
        #expect(schema["task"] == "string")
        #expect(schema["tasks"] == "list<element: string>")
        #expect(schema["stats/image/mean"] == "list<element: list<element: list<element: double>>>")
        #expect(schema["count"] == "int32")
        #expect(json["row_groups"] as? [Int] == [20, 5])
        let expectedCodec = ["none": "UNCOMPRESSED", "snappy": "SNAPPY", "zstd": "ZSTD"][compression.rawValue]!
        #expect(json["compression"] as? [String] == [expectedCodec])
        let values = json["values"] as? [String: Any] ?? [:]
        let state = values["observation.state"] as? [[Double]] ?? []
        #expect(state.count == 25)
        let row3: [Double] = (24..<32).map { (k: Int) -> Double in Double(Float(k) * 0.125 - 3) }
        let row22: [Double] = (16..<24).map { (k: Int) -> Double in Double(Float(k + 160) * 0.125 - 3) }
        #expect(state[3] == row3)
        #expect(state[22] == row22)
        #expect((values["index"] as? [Int]) == Array(0..<25))
        #expect((values["next.done"] as? [Bool])?.prefix(6) == [true, false, false, false, false, true])
        #expect((values["task"] as? [String])?[1] == "pick cube 1 — ünïcode")
        #expect((values["tasks"] as? [[String]])?[2] == ["task 0 of row 2", "task 1 of row 2", "task 2 of row 2"])
        let mean1: [[[Double]]] = [[[3.0 / 7]], [[4.0 / 7]], [[5.0 / 7]]]
        #expect((values["stats/image/mean"] as? [[[[Double]]]])?[1] == mean1)
        #expect((values["reward"] as? [Double])?[3] == 3e-3 + 1e300)
        #expect((values["count"] as? [Int])?[0] == -5)
    }

    @Test(arguments: ["snappy", "zstd", "none"])
    func readsWhatPyarrowWrites(compression: String) throws {
        try Interop.requireTools()
        let dir = try temporaryDirectory("pqr")
        let path = dir + "/py.parquet"
        _ = try Interop.run(["write-parquet", path, compression])
        let file = try ParquetFile(path: path)
        #expect(file.rowCount == 50)
        #expect(file.rowGroupRowCounts == [20, 20, 10])
        let state = try file.readColumn("observation.state")
        #expect(state.shape == .fixed([8]))
        let expectedState: [Float] = (0..<50).flatMap { (i: Int) -> [Float] in (0..<8).map { (k: Int) -> Float in Float(i) + Float(k) / 8 } }
        #expect(state.values == .float(expectedState))
        let action = try file.readColumn("action")
        let expectedAction: [Float] = (0..<350).map { (k: Int) -> Float in Float(k % 7) * 0.5 }
        #expect(action.values == .float(expectedAction))
        #expect(try file.readColumn("index").values == .int64((0..<50).map { Int64($0) }))
        #expect(try file.readColumn("done").values == .boolean((0..<50).map { $0 % 3 == 0 }))
        #expect(try file.readColumn("task").values == .string((0..<50).map { $0 % 2 == 1 ? "pick the cube" : "place it" }))
        #expect(try file.readColumn("timestamp").values == .float((0..<50).map { Float(Double($0) / 10) }))
        let mean = try file.readColumn("mean")
        #expect(mean.shape == .fixed([3, 1, 1]))
        let expectedMean: [Double] = (0..<50).flatMap { (i: Int) -> [Double] in [0.5 + Double(i), 0.25, 0.125] }
        #expect(mean.values == .double(expectedMean))
    }

    @Test func truncatedFileNamesTheFileAndTheMissingFooter() throws {
        let dir = try temporaryDirectory("pqc")
        let path = dir + "/t.parquet"
        let cols = Self.sampleColumns(rows: 10)
        let w = try ParquetWriter(path: path, schema: cols.map(\.field))
        try w.write(cols)
        try w.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        let e1 = #expect(throws: DatasetError.self) { try ParquetFile(path: path) }
        #expect(e1?.file == path)
        #expect(e1?.description.contains("magic") == true)

        // A damaged page: flip bytes in the first column chunk; the error names the column.
        let w2 = try ParquetWriter(path: path, schema: cols.map(\.field), compression: .snappy)
        try w2.write(cols)
        try w2.close()
        bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for k in 8..<40 { bytes[k] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: path))
        let file = try ParquetFile(path: path)
        let e2 = #expect(throws: DatasetError.self) { try file.readColumn("observation.state") }
        #expect(e2?.location.contains("observation.state") == true, "\(String(describing: e2))")
        #expect(e2?.location.contains("byte") == true, "\(String(describing: e2))")

        // Asking for a column as the wrong type is caught by the schema comparison of the caller; a missing
        // column names the columns that exist.
        let e3 = #expect(throws: DatasetError.self) { try file.readColumn("nope") }
        #expect(e3?.message.contains("observation.state") == true)
    }
}
