import BenchtopCore
import BenchtopScene
import Foundation

/// Convex decompositions of meshes (HACD), computed once per mesh and parameters: kept in memory for the process
/// and on disk under the user's cache directory (`$XDG_CACHE_HOME/benchtop/decompositions`, else
/// `~/.cache/benchtop/decompositions`), one JSON file per key. The key is a digest of the mesh's vertices and
/// triangles as physics receives them (so of the file's contents and the scene's scale) and of the parameters.
public final class DecompositionCache: @unchecked Sendable {
    public static let shared = DecompositionCache()

    /// A decomposition that could not be made.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    private let lock = NSLock()
    private var memory: [String: [[SIMD3<Double>]]] = [:]
    /// The directory the cache files live in (nil: memory only).
    public let directory: String?
    /// Decompositions computed (not found in memory or on disk) by this process, for tests and logs.
    public private(set) var computed = 0

    public init(directory: String? = DecompositionCache.defaultDirectory()) {
        self.directory = directory
    }

    public static func defaultDirectory(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/benchtop/decompositions" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.cache/benchtop/decompositions"
    }

    /// Cache key: format version, parameters and the mesh's bits, through 64-bit FNV-1a twice (two seeds).
    public static func key(_ mesh: TriangleMesh, _ p: DecompositionParameters) -> String {
        var a: UInt64 = 0xCBF2_9CE4_8422_2325
        var b: UInt64 = 0x8422_2325_CBF2_9CE4
        func mix(_ v: UInt64) {
            for k in 0..<8 {
                let byte = (v >> (8 * UInt64(k))) & 0xFF
                a = (a ^ byte) &* 0x0000_0100_0000_01B3
                b = (b ^ byte ^ 0x5A) &* 0x0000_0100_0000_01B3
            }
        }
        mix(2)  // format and HACD settings version (2: face and extra distance points)
        mix(p.concavity.bitPattern)
        mix(UInt64(p.minHulls))
        mix(UInt64(p.maxHullVertices))
        mix(UInt64(mesh.positions.count))
        for q in mesh.positions {
            mix(q.x.bitPattern)
            mix(q.y.bitPattern)
            mix(q.z.bitPattern)
        }
        for i in mesh.indices { mix(UInt64(i)) }
        func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return hex(a) + hex(b)
    }

    /// The convex pieces of `mesh` (point clouds in the mesh's frame).
    public func hulls(_ mesh: TriangleMesh, _ parameters: DecompositionParameters) throws -> [[SIMD3<Double>]] {
        let key = Self.key(mesh, parameters)
        lock.lock()
        if let hit = memory[key] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let hulls: [[SIMD3<Double>]]
        if let stored = read(key) {
            hulls = stored
        } else {
            hulls = try Self.decompose(mesh, parameters)
            lock.lock()
            computed += 1
            lock.unlock()
            write(key, hulls)
        }
        lock.lock()
        memory[key] = hulls
        lock.unlock()
        return hulls
    }

    /// Runs HACD (through the shim, in BulletWorld).
    static func decompose(_ mesh: TriangleMesh, _ p: DecompositionParameters) throws -> [[SIMD3<Double>]] {
        guard let hulls = BulletWorld.convexDecomposition(mesh, p), !hulls.isEmpty else {
            throw Failure(
                description:
                    "HACD could not decompose the mesh (\(mesh.positions.count) vertices, \(mesh.triangleCount) triangles; it needs a closed triangle mesh)"
            )
        }
        return hulls
    }

    private struct Stored: Codable {
        var hulls: [[Double]]
    }

    private func read(_ key: String) -> [[SIMD3<Double>]]? {
        guard let directory, let data = FileManager.default.contents(atPath: "\(directory)/\(key).json"),
            let stored = try? JSONDecoder().decode(Stored.self, from: data)
        else { return nil }
        let hulls = stored.hulls.map { f in stride(from: 0, to: f.count - 2, by: 3).map { SIMD3(f[$0], f[$0 + 1], f[$0 + 2]) } }
        // A damaged file is recomputed, not trusted.
        guard !hulls.isEmpty, hulls.allSatisfy({ $0.count >= 4 && $0.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite } }) else {
            return nil
        }
        return hulls
    }

    /// Writes atomically (temporary file, then rename); an unwritable cache only costs the next run the time.
    private func write(_ key: String, _ hulls: [[SIMD3<Double>]]) {
        guard let directory else { return }
        let stored = Stored(hulls: hulls.map { $0.flatMap { [$0.x, $0.y, $0.z] } })
        guard let data = try? JSONEncoder().encode(stored) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\(key).\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        if rename(temporary, "\(directory)/\(key).json") != 0 { unlink(temporary) }
    }
}
