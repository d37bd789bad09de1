import BenchtopCore
import Foundation

/// What an embodiment plugin target exports: a type that builds its embodiments.
///
/// Registration is explicit: an executable's main passes plugin types to `EmbodimentRegistry.register`.
public protocol EmbodimentPlugin {
    /// The embodiments this plugin provides (several variants may share one plugin).
    static func makeEmbodiments() throws -> [EmbodimentDescriptor]
    /// Published visual meshes for some of them, by embodiment name (`--look published`).
    static var publishedLooks: [String: PublishedLook] { get }
}

extension EmbodimentPlugin {
    public static var publishedLooks: [String: PublishedLook] { [:] }
}

/// The embodiments a process knows by name: built-ins registered by main, third-party Swift plugins, and
/// data-only plugin folders loaded with `--embodiment-path`.
public final class EmbodimentRegistry: @unchecked Sendable {
    /// The process-wide registry the command line uses.
    public static let shared = EmbodimentRegistry()

    private let lock = NSLock()
    private var entries: [String: EmbodimentDescriptor] = [:]
    private var order: [String] = []
    private var looks: [String: PublishedLook] = [:]

    public init() {}

    /// Registers one descriptor after validating it; a second registration of a name is an error.
    public func register(_ descriptor: EmbodimentDescriptor) throws {
        try descriptor.validate()
        lock.lock()
        defer { lock.unlock() }
        guard entries[descriptor.name] == nil else {
            throw EmbodimentError(embodiment: descriptor.name, field: "name", "an embodiment with this name is already registered")
        }
        entries[descriptor.name] = descriptor
        order.append(descriptor.name)
    }

    /// Registers every embodiment of a plugin type.
    public func register(_ plugin: any EmbodimentPlugin.Type) throws {
        for d in try plugin.makeEmbodiments() { try register(d) }
        lock.lock()
        for (name, look) in plugin.publishedLooks { looks[name] = look }
        lock.unlock()
    }

    /// The published look registered for an embodiment, if its plugin has one.
    public func publishedLook(of name: String) -> PublishedLook? {
        lock.lock()
        defer { lock.unlock() }
        return looks[name]
    }

    /// Dresses every embodiment that has a published look in its published meshes (physics unchanged). Returns
    /// the names dressed; an embodiment without one keeps its primitive look. Fails when meshes are missing.
    @discardableResult
    public func applyPublishedLooks() throws -> [String] {
        var dressed: [String] = []
        for d in all {
            guard let look = publishedLook(of: d.name) else { continue }
            let new = try look.apply(to: d)
            try new.validate()
            lock.lock()
            entries[d.name] = new
            lock.unlock()
            dressed.append(d.name)
        }
        return dressed
    }

    /// Loads a data-only plugin folder (a manifest `embodiment.yaml` next to its URDF), or a folder of such
    /// folders, and registers what it finds. Returns the names registered.
    /// Files a manifest names must lie in its folder unless `allowsOutsideRoot` (the user's explicit choice).
    @discardableResult
    public func loadPlugins(at path: String, allowsOutsideRoot: Bool = false) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw ManifestError(file: path, keyPath: "", "not a directory (expected a folder holding embodiment.yaml)")
        }
        let manifest = (path as NSString).appendingPathComponent(ManifestLoader.fileName)
        if FileManager.default.fileExists(atPath: manifest) {
            let d = try ManifestLoader.load(path: manifest, allowsOutsideRoot: allowsOutsideRoot)
            try register(d)
            return [d.name]
        }
        var names: [String] = []
        for sub in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
            let dir = (path as NSString).appendingPathComponent(sub)
            if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(ManifestLoader.fileName)) {
                names += try loadPlugins(at: dir, allowsOutsideRoot: allowsOutsideRoot)
            }
        }
        guard !names.isEmpty else {
            throw ManifestError(file: path, keyPath: "", "no \(ManifestLoader.fileName) in the folder or its subfolders")
        }
        return names
    }

    /// Registered names in registration order.
    public var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return order
    }

    /// All descriptors in registration order.
    public var all: [EmbodimentDescriptor] {
        lock.lock()
        defer { lock.unlock() }
        return order.map { entries[$0]! }
    }

    /// The descriptor with a name, or an error listing the known names.
    public func embodiment(named name: String) throws -> EmbodimentDescriptor {
        lock.lock()
        defer { lock.unlock() }
        guard let d = entries[name] else {
            throw EmbodimentError(embodiment: name, field: "name", "not registered; known: \(order.joined(separator: ", "))")
        }
        return d
    }
}
