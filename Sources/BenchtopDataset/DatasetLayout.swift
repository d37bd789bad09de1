import Foundation

/// File locations of a LeRobot dataset. Benchtop writes one data parquet and one mp4 per camera per episode
/// (valid in both layouts; in v3.0 `from_timestamp` is then 0 and `file_index` is the episode's place in its chunk).
struct DatasetLayout {
    let root: String
    let version: DatasetVersion
    let chunksSize: Int

    func chunk(_ episode: Int) -> Int { episode / chunksSize }
    func fileIndex(_ episode: Int) -> Int { version == .v3_0 ? episode % chunksSize : episode }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Relative path of an episode's frame data.
    func dataPath(episode e: Int) -> String {
        switch version {
        case .v3_0: "data/chunk-\(Self.pad(chunk(e), 3))/file-\(Self.pad(fileIndex(e), 3)).parquet"
        case .v2_1: "data/chunk-\(Self.pad(chunk(e), 3))/episode_\(Self.pad(e, 6)).parquet"
        }
    }

    /// Relative path of an episode's video of camera `key`.
    func videoPath(episode e: Int, key: String) -> String {
        switch version {
        case .v3_0: "videos/\(key)/chunk-\(Self.pad(chunk(e), 3))/file-\(Self.pad(fileIndex(e), 3)).mp4"
        case .v2_1: "videos/chunk-\(Self.pad(chunk(e), 3))/\(key)/episode_\(Self.pad(e, 6)).mp4"
        }
    }

    var dataPathTemplate: String {
        version == .v3_0 ? "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
                         : "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
    }
    var videoPathTemplate: String {
        version == .v3_0 ? "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
                         : "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"
    }

    func absolute(_ relative: String) -> String { root + "/" + relative }

    /// A temporary sibling of a final path: hidden, with a suffix no loader globs (`*.parquet`, `*.mp4`).
    static func temporary(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".partial").path
    }
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(".partial") }
}

/// File helpers: atomic replacement (write a temporary file, then rename).
enum FileOps {
    static func makeDirectory(for path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw DatasetError(file: dir, "cannot create the directory: \(error)")
        }
    }

    static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw DatasetError(file: to, "cannot move \(from) into place (errno \(errno))")
        }
    }

    /// Writes `data` to `path` through a temporary file and a rename, so readers see the old or the new file.
    static func atomicWrite(_ data: Data, to path: String) throws {
        try makeDirectory(for: path)
        let tmp = DatasetLayout.temporary(path)
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch { throw DatasetError(file: tmp, "cannot write: \(error)") }
        try rename(tmp, to: path)
    }

    static func json(_ object: Any, pretty: Bool = true) throws -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        return try JSONSerialization.data(withJSONObject: object, options: options)
    }
}
