import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a file named inside a scene, plugin manifest, spec or dataset was not read.
public struct FileRootError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The one rule for every file that an input file names (a manifest's URDF, a spec's scene, a dataset's
/// parquet and video files): the name is relative to the naming file's own root folder, and it may not leave
/// that folder, neither by `..`, nor by an absolute path, nor through a symbolic link, unless the user passed
/// an explicit allow flag (`--allow-outside-root`). Data-only plugins and datasets are files people download
/// from strangers; without this rule a manifest could make Benchtop read and echo any file on the machine.
public struct FileRoot: Sendable, Equatable {
    /// The root folder, absolute and with symbolic links resolved.
    public let directory: String
    /// Whether names may leave the root (the user's explicit choice).
    public let allowsOutside: Bool

    /// A root at `directory` (which must exist).
    public init(directory: String, allowsOutside: Bool = false) throws {
        guard let real = FileRoot.realPath(directory) else {
            throw FileRootError("'\(Excerpt.of(directory))': the folder does not exist")
        }
        self.directory = real
        self.allowsOutside = allowsOutside
    }

    /// The root of the files that `file` names: the folder holding it.
    public init(enclosing file: String, allowsOutside: Bool = false) throws {
        let folder = (file as NSString).deletingLastPathComponent
        try self.init(directory: folder.isEmpty ? "." : folder, allowsOutside: allowsOutside)
    }

    /// The real path of `name`, checked to lie inside the root. Fails, without opening anything, for an empty
    /// name, an absolute path, a `..` component, a missing file, or a symbolic link that leads outside.
    public func resolve(_ name: String) throws -> String {
        guard !name.isEmpty, !name.contains("\0") else { throw FileRootError("expected a file name, got '\(Excerpt.of(name))'") }
        let joined = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
        if !allowsOutside {
            guard !name.hasPrefix("/") else {
                throw FileRootError("'\(Excerpt.of(name))' is an absolute path; name files relative to \(directory) (or pass --allow-outside-root)")
            }
            guard !name.split(separator: "/").contains("..") else {
                throw FileRootError(
                    "'\(Excerpt.of(name))' leaves its folder by '..'; files must lie inside \(directory) (or pass --allow-outside-root)")
            }
        }
        guard let real = FileRoot.realPath(joined) else {
            throw FileRootError("'\(Excerpt.of(name))' does not exist (looked in \(directory))")
        }
        if !allowsOutside && !(real == directory || real.hasPrefix(directory == "/" ? "/" : directory + "/")) {
            throw FileRootError("'\(Excerpt.of(name))' is a symbolic link leading outside \(directory) (or pass --allow-outside-root)")
        }
        return real
    }

    /// Checks `name` as `resolve` does, for a file that may be missing (a dataset's data file not written yet, or
    /// one the caller reports missing in its own words): the name may not be absolute or hold `..`, and when the
    /// file exists its real path must lie inside the root. Returns the name joined to the root folder.
    @discardableResult
    public func check(_ name: String) throws -> String {
        guard !name.isEmpty, !name.contains("\0") else { throw FileRootError("expected a file name, got '\(Excerpt.of(name))'") }
        let path = joined(name)
        // A name that exists, or one that names its way out, goes through resolve (which refuses the escapes).
        let escapes = name.hasPrefix("/") || name.split(separator: "/").contains("..")
        if FileRoot.realPath(path) != nil || (escapes && !allowsOutside) { return try resolve(name) }
        return path
    }

    private func joined(_ name: String) -> String { name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name) }

    /// Resolves `name` and reads it (a regular file of at most `maxBytes`).
    public func read(_ name: String, maxBytes: Int) throws -> Data {
        try BoundedFile.read(try resolve(name), maxBytes: maxBytes)
    }

    /// `realpath(3)`: absolute, no `.`/`..`, symbolic links resolved; nil when the path does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

/// Reads input files with a size limit, refusing what is not a regular file (devices, FIFOs, folders), so
/// that no loader can be made to block on a pipe or read forever from `/dev/zero`.
public enum BoundedFile {
    public static func read(_ path: String, maxBytes: Int) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileRootError("cannot read the file (missing or not accessible)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileRootError("not a regular file (a folder, device or pipe); expected a text file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw FileRootError("the file has \(info.st_size) bytes; expected at most \(maxBytes)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileRootError("cannot open the file for reading") }
        defer { try? handle.close() }
        // Files under /proc report size 0: read at most one byte more than allowed to tell.
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        guard data.count <= maxBytes else { throw FileRootError("the file is larger than \(maxBytes) bytes") }
        return data
    }

    /// Reads a text file: UTF-8, no NUL bytes (binary files and `/proc/self/environ` are refused without
    /// quoting them).
    public static func readText(_ path: String, maxBytes: Int) throws -> String {
        let data = try read(path, maxBytes: maxBytes)
        if let nul = data.firstIndex(of: 0) {
            throw FileRootError("not a text file (a NUL byte at offset \(nul - data.startIndex))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FileRootError("not UTF-8 text") }
        return text
    }
}

/// A short, printable excerpt of input for error messages: errors never echo more than this of a file.
public enum Excerpt {
    public static let defaultLimit = 40

    public static func of<S: StringProtocol>(_ text: S, limit: Int = defaultLimit) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "... (\(text.utf8.count) bytes)" }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += scalar == "\n" ? "\\n" : scalar == "\t" ? "\\t" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
