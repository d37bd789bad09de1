import BenchtopCore
import Foundation
import Testing

@testable import BenchtopDataset

/// Writes `count` synthetic episodes starting at `first`.
func writeSynthetic(_ writer: LeRobotDatasetWriter, _ synthetic: SyntheticFrames, first: Int, count: Int, base: Int = 12) throws {
    for e in first..<(first + count) {
        for k in 0..<SyntheticFrames.length(episode: e, base: base) { try writer.add(synthetic.frame(episode: e, frame: k)) }
        #expect(try writer.saveEpisode() == e)
    }
}

/// Checks every stored value of every episode against the synthetic generator.
func expectSyntheticValues(_ d: LeRobotDataset, episodes: Int, base: Int = 12) throws {
    #expect(d.episodes.count == episodes)
    var from = 0
    for e in 0..<episodes {
        let n = SyntheticFrames.length(episode: e, base: base)
        let data = try d.episode(e)
        #expect(data.length == n)
        #expect(d.episodes[e].datasetFrom == from && d.episodes[e].datasetTo == from + n)
        #expect(d.episodes[e].tasks == [SyntheticFrames.task(episode: e)])
        for k in 0..<n {
            #expect(data.value("observation.state", frame: k) == SyntheticFrames.state(episode: e, frame: k).map { Double(Float($0)) })
            #expect(data.value("action", frame: k) == SyntheticFrames.action(episode: e, frame: k).map { Double(Float($0)) })
            #expect(data.timestamps[k] == Float(k) / Float(d.schema.fps))
            #expect(data.frameIndices[k] == Int64(k) && data.globalIndices[k] == Int64(from + k))
            #expect(d.tasks[Int(data.taskIndices[k])] == SyntheticFrames.task(episode: e))
        }
        from += n
    }
    #expect(d.totalFrames == from)
}

/// Runs the interop structural check (pyarrow + PyAV) and expects no errors.
func expectInteropClean(_ root: String, episodes: Int, frames: Int) throws {
    let json = try Interop.run(["dataset", root])
    #expect(json["errors"] as? [String] == [], "\(json["errors"] ?? "")")
    #expect(json["episodes"] as? Int == episodes)
    #expect(json["frames"] as? Int == frames)
}

@Suite struct DatasetTests {
    @Test(arguments: DatasetVersion.allCases)
    func threeEpisodesReadBackEveryValue(version: DatasetVersion) throws {
        try Interop.requireTools()
        let root = try temporaryDirectory("ds-\(version.rawValue)") + "/set"
        let synthetic = SyntheticFrames()
        let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema, version: version)
        try writeSynthetic(writer, synthetic, first: 0, count: 3)
        writer.close()

        let d = try LeRobotDataset(root: root)
        #expect(d.version == version)
        #expect(d.schema.fps == synthetic.schema.fps && d.schema.robotType == "franka")
        #expect(Set(d.schema.features) == Set(synthetic.schema.features))
        #expect(d.tasks == ["pick up the red cube", "place the cube in the bowl"])
        try expectSyntheticValues(d, episodes: 3)
        try d.validate(videos: true)

        // Stats: per episode exact, global the count-weighted combination; quantiles present (q01..q99).
        let e1 = try d.episode(1)
        let state = d.episodes[1].stats["observation.state"]!
        let column0 = (0..<e1.length).map { e1.value("observation.state", frame: $0)[0] }
        #expect(abs(state.mean[0] - column0.reduce(0, +) / Double(e1.length)) < 1e-12)
        #expect(state.min[0] == column0.min() && state.max[0] == column0.max())
        #expect(state.count == e1.length)
        let global = d.stats["observation.state"]!
        #expect(global.count == d.totalFrames)
        #expect(global.quantiles.keys.sorted() == ["q01", "q10", "q50", "q90", "q99"])
        let image = d.stats["observation.images.primary"]!
        #expect(image.isImage && image.mean.count == 3 && image.min.allSatisfy { $0 >= 0 } && image.max.allSatisfy { $0 <= 1 })
        #expect(d.stats["index"]?.max == [Double(d.totalFrames - 1)])

        try expectInteropClean(root, episodes: 3, frames: d.totalFrames)
        // pyarrow sees the declared Arrow types in the data files.
        let json = try Interop.run(["parquet", d.dataFile(episode: 2)])
        let schema = json["schema"] as? [String: String] ?? [:]
        #expect(
            schema == [
                "observation.state": "list<element: float>", "action": "list<element: float>", "timestamp": "float",
                "frame_index": "int64", "episode_index": "int64", "index": "int64", "task_index": "int64",
            ])
        #expect(json["compression"] as? [String] == ["SNAPPY"])
    }

    @Test func statsMatchNumpyDefinitions() {
        // numpy: np.quantile([1,2,3,4,10], [.01,.1,.5,.9,.99]) = [1.04, 1.4, 3, 7.6, 9.76]; std (ddof 0) = 3.1622776601683795
        let s = FeatureStats.of([1, 2, 3, 4, 10], dims: 1)
        #expect(abs(s.std[0] - 3.1622776601683795) < 1e-12 && s.mean == [4])
        let q = FeatureStats.quantileLevels.map { s.quantiles[$0.0]![0] }
        for (a, b) in zip(q, [1.04, 1.4, 3, 7.6, 9.76]) { #expect(abs(a - b) < 1e-9) }
        // Histogram stats equal the direct ones (values / 255).
        var h = ImageHistogram()
        let pixels: [UInt8] = [0, 10, 20, 255, 30, 40, 128, 50, 60, 64, 70, 80, 1, 90, 100]
        h.add(pixels)
        let r = (0..<5).map { Double(pixels[$0 * 3]) }
        let direct = FeatureStats.of(r, dims: 1)
        let hs = h.stats
        #expect(abs(hs.mean[0] - direct.mean[0] / 255) < 1e-12 && abs(hs.std[0] - direct.std[0] / 255) < 1e-12)
        for (key, _) in FeatureStats.quantileLevels { #expect(abs(hs.quantiles[key]![0] - direct.quantiles[key]![0] / 255) < 1e-12) }
        // Aggregation: equal to the stats of the concatenation for mean and std.
        let a = FeatureStats.of([1, 2, 3], dims: 1)
        let b = FeatureStats.of([4, 10], dims: 1)
        let g = FeatureStats.aggregate([a, b])!
        #expect(abs(g.mean[0] - 4) < 1e-12 && abs(g.std[0] - 3.1622776601683795) < 1e-12 && g.count == 5 && g.min == [1] && g.max == [10])
    }

    @Test func badFramesAreRefusedWithoutDamagingTheEpisode() throws {
        let root = try temporaryDirectory("ds-bad") + "/set"
        let synthetic = SyntheticFrames()
        let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema)
        try writer.add(synthetic.frame(episode: 0, frame: 0))
        var f = synthetic.frame(episode: 0, frame: 1)
        f.values["action"] = [1, 2, 3]
        let e = #expect(throws: DatasetError.self) { try writer.add(f) }
        #expect(e?.location.contains("action") == true)
        f = synthetic.frame(episode: 0, frame: 1)
        f.images["observation.images.wrist"] = RGBImage(width: 64, height: 64)
        #expect(throws: DatasetError.self) { try writer.add(f) }
        try writer.add(synthetic.frame(episode: 0, frame: 1))
        try writer.saveEpisode()
        let d = try LeRobotDataset(root: root)
        #expect(d.episodes.map(\.length) == [2])
        try d.validate()
        // A non-empty folder is not overwritten.
        #expect(throws: DatasetError.self) { try LeRobotDatasetWriter(creating: root, schema: synthetic.schema) }
    }

    @Test func discardedEpisodeLeavesNoTrace() throws {
        let root = try temporaryDirectory("ds-discard") + "/set"
        let synthetic = SyntheticFrames()
        let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema)
        try writeSynthetic(writer, synthetic, first: 0, count: 1)
        for k in 0..<5 { try writer.add(synthetic.frame(episode: 1, frame: k)) }
        writer.discardEpisode()
        try writeSynthetic(writer, synthetic, first: 1, count: 1)
        let d = try LeRobotDataset(root: root)
        try expectSyntheticValues(d, episodes: 2)
        let leftovers = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }
}

@Suite struct CorruptDatasetTests {
    static func makeDataset(_ label: String) throws -> String {
        let root = try temporaryDirectory(label) + "/set"
        let synthetic = SyntheticFrames()
        let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema)
        try writeSynthetic(writer, synthetic, first: 0, count: 2, base: 6)
        return root
    }

    static func editInfo(_ root: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = root + "/meta/info.json"
        var info = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&info)
        try JSONSerialization.data(withJSONObject: info).write(to: URL(fileURLWithPath: path))
    }

    @Test func infoErrorsNameTheFileAndKey() throws {
        let root = try Self.makeDataset("bad-info")
        try Self.editInfo(root) { $0["fps"] = 0 }
        let e1 = #expect(throws: DatasetError.self) { try LeRobotDataset(root: root) }
        #expect(e1?.file.hasSuffix("meta/info.json") == true && e1?.location == "fps")
        try Self.editInfo(root) {
            $0["fps"] = 15
            $0["total_frames"] = 999
        }
        let e2 = #expect(throws: DatasetError.self) { try LeRobotDataset(root: root) }
        #expect(e2?.location == "total_frames")
        try Self.editInfo(root) {
            $0["total_frames"] = 12 + 6 + 7 - 12
            var f = $0["features"] as! [String: Any]
            f["timestamp"] = nil
            $0["features"] = f
        }
        let e3 = #expect(throws: DatasetError.self) { try LeRobotDataset(root: root) }
        #expect(e3?.location == "features.timestamp", "\(String(describing: e3))")
        try Self.editInfo(root) { $0["codebase_version"] = "v2.0" }
        let e4 = #expect(throws: DatasetError.self) { try LeRobotDataset(root: root) }
        #expect(e4?.location == "codebase_version")
    }

    @Test func dataErrorsNameTheFileAndColumn() throws {
        let root = try Self.makeDataset("bad-data")
        let d = try LeRobotDataset(root: root)
        let path = d.dataFile(episode: 1)
        // A foreign file: an undeclared column and action stored as double.
        let w = try ParquetWriter(path: path, schema: [ParquetField("action", .double, listDepth: 1), ParquetField("extra", .int64)])
        try w.write([
            ParquetColumn(ParquetField("action", .double, listDepth: 1), .double([1, 2, 3, 4, 5, 6, 7]), shape: .fixed([7])),
            .int64("extra", [1]),
        ])
        try w.close()
        let e1 = #expect(throws: DatasetError.self) { try d.episode(1) }
        #expect(e1?.file == path && e1?.location == "column extra" && e1?.message.contains("not declared") == true)
        // Truncated (an unfinished write).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: d.dataFile(episode: 0)))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: d.dataFile(episode: 0)))
        let e2 = #expect(throws: DatasetError.self) { try d.episode(0) }
        #expect(e2?.file == d.dataFile(episode: 0) && e2?.message.contains("magic") == true)
        // A missing video.
        try FileManager.default.removeItem(atPath: d.video(episode: 1, feature: "observation.images.wrist")!.path)
        let root2 = try Self.makeDataset("bad-video")
        let d2 = try LeRobotDataset(root: root2)
        let video = d2.video(episode: 0, feature: "observation.images.primary")!.path
        try Data(count: 100).write(to: URL(fileURLWithPath: video))
        let e3 = #expect(throws: DatasetError.self) { try d2.validate() }
        #expect(e3?.file == video)
    }
}
