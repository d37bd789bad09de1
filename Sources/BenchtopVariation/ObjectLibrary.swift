import BenchtopCore
import BenchtopMesh
import BenchtopScene
import Foundation

/// Mesh files that the novel-object and distractor axes draw from, besides the built-in shapes: the repository's
/// `scenes/assets` (under the working directory) and every directory in BENCHTOP_OBJECT_LIBRARY (colon-separated;
/// e.g. pybullet_data's `random_urdfs` or YCB meshes). Files are listed in sorted order, so the same directories
/// give the same draws; each mesh is scaled to the size the axis asks for (libraries use all kinds of units).
public enum ObjectLibrary {
    /// At most this many files per directory (a large library would make every draw slow to list).
    static let perDirectory = 256

    /// (path, root) of every mesh file, sorted by root order, then path.
    public static func files(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(path: String, root: String)] {
        var dirs = ["scenes/assets"]
        if let env = environment["BENCHTOP_OBJECT_LIBRARY"] { dirs += env.split(separator: ":").map(String.init) }
        var out: [(String, String)] = []
        for dir in dirs {
            guard let root = FileRoot.realPath(dir), let walker = FileManager.default.enumerator(atPath: root) else { continue }
            var found: [String] = []
            while let next = walker.nextObject() as? String {
                if MeshFile.extensions.contains(URL(fileURLWithPath: next).pathExtension.lowercased()) { found.append(root + "/" + next) }
            }
            out += found.sorted().prefix(perDirectory).map { ($0, root) }
        }
        return out
    }

    /// The library's `index`-th mesh (modulo its size), scaled so that its footprint's larger side is `width` and its
    /// height at most `height`; nil when the library is empty or the file does not read.
    public static func asset(_ index: UInt64, width: Double, height: Double) -> (name: String, asset: Asset)? {
        let all = files()
        guard !all.isEmpty else { return nil }
        let (path, root) = all[Int(index % UInt64(all.count))]
        guard let mesh = try? MeshAsset(file: URL(fileURLWithPath: path).lastPathComponent, path: path, root: root, scale: SIMD3(repeating: 1)) else {
            return nil
        }
        let h = mesh.halfExtents
        let s = min(width / (2 * max(h.x, h.y)), height / (2 * h.z))
        guard s.isFinite, s > 0 else { return nil }
        return (URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, .mesh(mesh.scaled(by: s)))
    }
}
