import BenchtopCore
import Foundation

/// Where the files a robot description names may come from: ROS's `package://NAME/...` convention over a search
/// path, like ROS_PACKAGE_PATH. The roots are the plugin's own folder, then each folder of BENCHTOP_PACKAGE_PATH
/// (colon-separated). A file is read only from inside the root it was found under (`FileRoot`'s rule: no `..`
/// out of it, no absolute path, no symbolic link leading out), unless the user passed `--allow-outside-root`.
public struct PackagePath: Sendable, Hashable {
    /// The environment variable holding extra roots, colon-separated.
    public static let environmentKey = "BENCHTOP_PACKAGE_PATH"

    /// Existing roots in search order, real paths.
    public private(set) var roots: [String]
    /// Names given in the search path that do not exist (reported when a lookup fails).
    public private(set) var missing: [String] = []
    /// Whether absolute mesh paths are allowed (the user's explicit choice).
    public var allowsOutside: Bool

    /// `roots` first (a plugin's folder), then the folders of BENCHTOP_PACKAGE_PATH in `environment`.
    public init(roots: [String], allowsOutside: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var all = roots
        if let env = environment[Self.environmentKey] { all += env.split(separator: ":").map(String.init).filter { !$0.isEmpty } }
        self.roots = []
        for r in all {
            if let real = FileRoot.realPath(r) {
                if !self.roots.contains(real) { self.roots.append(real) }
            } else {
                missing.append(r)
            }
        }
        self.allowsOutside = allowsOutside
    }

    /// Why a name was not resolved.
    public struct LookupError: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// The file that `package://NAME/REST` names and the root it lies under. A root holds the package when it has
    /// a folder NAME (ROS_PACKAGE_PATH style) or is itself called NAME.
    public func resolvePackage(_ url: String, firstRoots: [String] = []) throws -> (path: String, root: String) {
        let body = url.dropFirst("package://".count)
        let pieces = body.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard url.hasPrefix("package://"), pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
            throw LookupError("'\(Excerpt.of(url))': expected package://NAME/PATH")
        }
        let name = String(pieces[0])
        let rest = String(pieces[1])
        guard name != "..", name != ".", !rest.split(separator: "/").contains("..") else {
            throw LookupError("'\(Excerpt.of(url))' leaves its package by '..'; files must lie inside the package folder")
        }
        let searched = firstRoots.compactMap { FileRoot.realPath($0) } + roots
        for root in searched {
            var candidates: [String] = []
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(name), isDirectory: &isDir), isDir.boolValue {
                candidates.append(name + "/" + rest)
            }
            if (root as NSString).lastPathComponent == name { candidates.append(rest) }
            for rel in candidates where FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(rel)) {
                return (try confined(rel, in: root, naming: url), root)
            }
        }
        throw LookupError(notFound: "'\(Excerpt.of(url))': no package '\(Excerpt.of(name))' holding '\(Excerpt.of(rest))'", searched, missing)
    }

    /// A mesh file name as a URDF gives it: `package://` through the URDF's folder and then the roots; a relative
    /// name against the URDF's folder, staying inside the root the URDF lies in; absolute paths and `file://`
    /// only when outside files are allowed.
    public func resolveMesh(_ name: String, urdfFile: String) throws -> (path: String, root: String) {
        let urdfDir =
            FileRoot.realPath((urdfFile as NSString).deletingLastPathComponent.isEmpty ? "." : (urdfFile as NSString).deletingLastPathComponent)
            ?? "."
        if name.hasPrefix("package://") { return try resolvePackage(name, firstRoots: [urdfDir]) }
        let plain = name.hasPrefix("file://") ? String(name.dropFirst("file://".count)) : name
        if plain.hasPrefix("/") {
            guard allowsOutside else {
                throw LookupError(
                    "'\(Excerpt.of(name))' is an absolute path; use package://NAME/... or a path relative to the URDF (or pass --allow-outside-root)")
            }
            guard let real = FileRoot.realPath(plain) else { throw LookupError("'\(Excerpt.of(name))' does not exist") }
            return (real, (real as NSString).deletingLastPathComponent)
        }
        // The root the URDF lies in (its own folder when it lies in none, e.g. a URDF checked on its own).
        let root = roots.first { urdfDir == $0 || urdfDir.hasPrefix($0 == "/" ? "/" : $0 + "/") } ?? urdfDir
        let joined = URL(fileURLWithPath: urdfDir).appendingPathComponent(plain).standardizedFileURL.path
        guard joined == root || joined.hasPrefix(root + "/") else {
            throw LookupError("'\(Excerpt.of(name))' leaves \(root) by '..'; mesh files must lie inside it (or pass --allow-outside-root)")
        }
        let rel = String(joined.dropFirst(root.count)).drop { $0 == "/" }
        return (try confined(String(rel), in: root, naming: name), root)
    }

    /// FileRoot's rule for a name relative to `root`.
    private func confined(_ rel: String, in root: String, naming: String) throws -> String {
        do { return try FileRoot(directory: root, allowsOutside: allowsOutside).resolve(rel) } catch let e as FileRootError {
            throw LookupError("'\(Excerpt.of(naming))': \(e.message)")
        }
    }
}

extension PackagePath.LookupError {
    init(notFound what: String, _ searched: [String], _ missing: [String]) {
        var text = "\(what) under: \(searched.isEmpty ? "(no folders)" : searched.joined(separator: ", "))"
        if !missing.isEmpty { text += "; not found: \(missing.joined(separator: ", "))" }
        text += " (add the folder holding the package to \(PackagePath.environmentKey), colon-separated)"
        self.init(text)
    }
}
