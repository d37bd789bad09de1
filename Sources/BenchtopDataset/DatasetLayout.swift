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
        version == .v3_0
            ? "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
            : "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
    }
    var videoPathTemplate: String {
        version == .v3_0
            ? "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
            : "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"
    }

    func absolute(_ relative: String) -> String { root + "/" + relative }

    /// Fills a LeRobot path template (`{name}` or `{name:03d}` fields, Python format syntax) and checks that the
    /// result stays inside the dataset: relative, without `..`. Errors name `file` and `key`.
    static func fill(_ template: String, _ values: [String: Any], file: String, key: String) throws -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw DatasetError(file: file, location: key, "unclosed '{' in the template \"\(template)\"")
            }
            let field = rest[rest.index(after: open)..<close]
            let parts = field.split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = parts.first, let value = values[name] else {
                throw DatasetError(
                    file: file, location: key, "unknown field {\(field)} in \"\(template)\" (known: \(values.keys.sorted().joined(separator: ", ")))")
            }
            if parts.count == 2 {
                let spec = parts[1]
                guard spec.hasSuffix("d"), let number = value as? Int else {
                    throw DatasetError(file: file, location: key, "unsupported format {\(field)} in \"\(template)\" (expected {name:0Nd})")
                }
                out += pad(number, Int(spec.dropLast().drop { $0 == "0" }) ?? 0)
            } else {
                out += "\(value)"
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        if out.hasPrefix("/") || out.split(separator: "/").contains("..") {
            throw DatasetError(
                file: file, location: key, "\"\(template)\" points outside the dataset folder (\(out)); LeRobot resolves it against the root")
        }
        return out
    }

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

    /// JSON with sorted keys and doubles in their shortest round-trip form (Foundation's JSONSerialization on
    /// Linux rounds doubles to 15 digits, which would change stats on a write-read cycle).
    static func json(_ object: Any, pretty: Bool = true) throws -> Data {
        var out = ""
        try writeJSON(object, into: &out, indent: pretty ? 0 : nil)
        return Data(out.utf8)
    }

    private static func writeJSON(_ value: Any, into out: inout String, indent: Int?) throws {
        let newline = indent.map { "\n" + String(repeating: "  ", count: $0 + 1) } ?? ""
        let close = indent.map { "\n" + String(repeating: "  ", count: $0) } ?? ""
        let inner = indent.map { $0 + 1 }
        switch value {
        case is NSNull: out += "null"
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let i as Int64: out += String(i)
        case let d as Double:
            guard d.isFinite else { throw DatasetError(file: "", "cannot write \(d) to JSON") }
            out += d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case let f as Float: try writeJSON(Double(f), into: &out, indent: indent)
        case let s as String:
            out += jsonQuoted(s)
        case let a as [Any]:
            if a.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (k, v) in a.enumerated() {
                out += (k > 0 ? "," : "") + newline
                try writeJSON(v, into: &out, indent: inner)
            }
            out += close + "]"
        case let o as [String: Any]:
            if o.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (k, key) in o.keys.sorted().enumerated() {
                out += (k > 0 ? "," : "") + newline
                try writeJSON(key, into: &out, indent: inner)
                out += indent == nil ? ":" : ": "
                try writeJSON(o[key]!, into: &out, indent: inner)
            }
            out += close + "}"
        default:
            throw DatasetError(file: "", "cannot write a \(type(of: value)) to JSON")
        }
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped; other characters stay UTF-8.
public func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
