import BenchtopCore
import BenchtopMesh
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A mesh file placed as a scene object: its triangles (one part per material, with the material's colour), scaled
/// and moved so that the asset frame sits at the centre of the bounding box, as for every asset.
public struct MeshAsset: Sendable, Hashable {
    /// The file as the scene names it, and where it was found.
    public var file: String
    public var path: String
    public var scale: SIMD3<Double>
    public var parts: [ShapePart]
    public var halfExtents: SIMD3<Double>
    /// What physics collides with: the convex hull of all vertices, or a convex decomposition.
    public var collision: MeshCollision = .hull

    /// Reads `path` (nothing outside `root`) and centres it.
    public init(file: String, path: String, root: String, scale: SIMD3<Double>) throws {
        let loaded = try MeshFile.load(path: path, root: root)
        let scaled = loaded.map { $0.mesh.transformed(scale: scale) }
        var lo = SIMD3<Double>(repeating: .infinity)
        var hi = SIMD3<Double>(repeating: -.infinity)
        for m in scaled {
            let b = m.bounds
            lo = pointwiseMin(lo, b.lower)
            hi = pointwiseMax(hi, b.upper)
        }
        let centre = (lo + hi) / 2
        self.file = file
        self.path = path
        self.scale = scale
        parts = zip(scaled, loaded).map {
            ShapePart(.mesh($0.transformed(scale: SIMD3(repeating: 1), offset: -centre)), color: $1.color, texture: $1.texture)
        }
        halfExtents = pointwiseMax((hi - lo) / 2, SIMD3(repeating: 1e-4))
    }

    /// The same mesh uniformly scaled about its centre.
    public func scaled(by s: Double) -> MeshAsset {
        var m = self
        m.scale *= s
        m.parts = parts.map { p in
            var q = p
            if case .mesh(let mesh) = p.shape { q.shape = .mesh(mesh.transformed(scale: SIMD3(repeating: s))) }
            return q
        }
        m.halfExtents *= s
        return m
    }

    /// The volume the mesh encloses (closed meshes), m^3.
    public var volume: Double { parts.reduce(0) { $0 + $1.shape.volume } }

    /// All parts' triangles as one mesh, vertices at the same position welded (a material boundary splits them),
    /// so that a decomposition sees one connected surface.
    public var weldedMesh: TriangleMesh {
        var positions: [SIMD3<Double>] = []
        var index: [SIMD3<Double>: UInt32] = [:]
        var indices: [UInt32] = []
        for part in parts {
            guard case .mesh(let mesh) = part.shape else { continue }
            for i in mesh.indices {
                let p = part.pose.transform(mesh.positions[Int(i)])
                if let k = index[p] {
                    indices.append(k)
                } else {
                    index[p] = UInt32(positions.count)
                    indices.append(UInt32(positions.count))
                    positions.append(p)
                }
            }
        }
        return TriangleMesh(positions: positions, normals: [], indices: indices)
    }
}

/// How physics collides with a mesh object.
public enum MeshCollision: Sendable, Hashable {
    /// One convex hull of all the vertices (fast; fills every hollow).
    case hull
    /// Convex pieces from HACD (Bullet's Extras), computed once per mesh and parameters and cached on disk.
    case decomposition(DecompositionParameters)
}

/// HACD's knobs, in units that do not depend on the mesh's size.
public struct DecompositionParameters: Sendable, Hashable, Codable {
    /// The deepest hollow a piece may fill, as a fraction of the mesh's bounding-box diagonal.
    public var concavity: Double
    /// Merging stops at this many pieces even when it could go on.
    public var minHulls: Int
    /// Vertices per piece's hull.
    public var maxHullVertices: Int

    public static let concavityRange: ClosedRange<Double> = 0.001...0.5
    public static let minHullsRange: ClosedRange<Int> = 1...64
    public static let maxHullVerticesRange: ClosedRange<Int> = 8...256

    public init(concavity: Double = 0.02, minHulls: Int = 1, maxHullVertices: Int = 32) {
        self.concavity = concavity
        self.minHulls = minHulls
        self.maxHullVertices = maxHullVertices
    }
}

/// An object described by a URDF file: one link makes a rigid object, several links joined by revolute or prismatic
/// joints an articulated one (a drawer, a door) with a fixed or free base.
public struct URDFAsset: Sendable, Hashable {
    public var file: String
    public var path: String
    /// The description, its root link frame at the origin.
    public var spec: ArticulationSpec
    public var fixedBase: Bool
    /// Initial positions of movable joints by name (others start at 0).
    public var initialJoints: [String: Double]
    /// Centre and half extents of the bounding box at zero joint positions, in the root link frame.
    public var center: SIMD3<Double>
    public var halfExtents: SIMD3<Double>

    public init(file: String, path: String, spec: ArticulationSpec, fixedBase: Bool, initialJoints: [String: Double]) {
        self.file = file
        self.path = path
        self.spec = spec
        self.fixedBase = fixedBase
        self.initialJoints = initialJoints
        let (lo, hi) = Self.bounds(spec)
        center = (lo + hi) / 2
        halfExtents = pointwiseMax((hi - lo) / 2, SIMD3(repeating: 1e-4))
    }

    /// Whether the object is one rigid link (no joints): World builds it as an ordinary rigid body.
    public var isRigid: Bool { spec.links.count == 1 }

    /// The single link's parts, moved so that the asset frame is the bounding box centre (rigid URDF objects).
    public var rigidParts: [ShapePart] {
        let link = spec.links[0]
        let parts = link.visual.isEmpty ? link.collision : link.visual
        return parts.map { p in
            var q = p
            q.pose = Pose(position: -center) * p.pose
            if q.color == nil { q.color = link.color }
            return q
        }
    }

    /// Joint positions in the spec's movable-joint order.
    public var initialPositions: [Double] { spec.movableJoints.map { initialJoints[$0.name] ?? 0 } }

    /// Link frames at zero joint positions, root first (joints list parents before children).
    static func linkFrames(_ spec: ArticulationSpec) -> [Pose] {
        var frames = [Pose](repeating: .identity, count: spec.links.count)
        for j in spec.joints { frames[j.child] = frames[j.parent] * j.origin }
        return frames
    }

    static func bounds(_ spec: ArticulationSpec) -> (SIMD3<Double>, SIMD3<Double>) {
        var lo = SIMD3<Double>(repeating: .infinity)
        var hi = SIMD3<Double>(repeating: -.infinity)
        for (link, frame) in zip(spec.links, linkFrames(spec)) {
            for part in link.collision + link.visual {
                let pose = frame * part.pose
                let h = part.shape.halfExtents
                for k in 0..<8 {
                    let corner = SIMD3(k & 1 == 0 ? -h.x : h.x, k & 2 == 0 ? -h.y : h.y, k & 4 == 0 ? -h.z : h.z)
                    let p = pose.transform(corner)
                    lo = pointwiseMin(lo, p)
                    hi = pointwiseMax(hi, p)
                }
            }
        }
        if lo.x > hi.x { return (.zero, .zero) }
        return (lo, hi)
    }
}

/// Where a scene's asset files may come from: a search path of `FileRoot`s, so that asset files follow the one
/// path rule of every other input. The roots are the scene file's folder, then each `asset_path` entry (relative to
/// the scene file), then BENCHTOP_ASSET_PATH (colon-separated). A `file:` name is relative to each root in turn, and
/// within the root it is found in it may not leave that root: no absolute path, no `..` component, no symbolic link
/// leading out. The first root holding the name is used. `asset_path` entries are roots the scene author declares,
/// so they may lie beside the scene (`../my_assets`); a scene embedded in a dataset is `confined`: its entries must
/// lie inside its own folder too.
public struct AssetRoots: Sendable, Hashable {
    /// The root folders, in search order (as given; each is made real when searched).
    public var roots: [String]

    public init(
        sceneFile: String, assetPath: [String] = [], confined: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let sceneDir = URL(fileURLWithPath: sceneFile).deletingLastPathComponent().standardizedFileURL.path
        var roots = [sceneDir]
        for (i, p) in assetPath.enumerated() {
            if confined {
                do { roots.append(try FileRoot(directory: sceneDir).resolve(p)) } catch let e as FileRootError {
                    throw LookupError(description: "asset_path[\(i)]: \(e.message)")
                }
            } else {
                roots.append(p.hasPrefix("/") ? p : URL(fileURLWithPath: sceneDir).appendingPathComponent(p).standardizedFileURL.path)
            }
        }
        if let env = environment["BENCHTOP_ASSET_PATH"] { roots += env.split(separator: ":").map(String.init).filter { !$0.isEmpty } }
        self.roots = roots
    }

    /// A file that is not under any root, or that leaves the root it was found in.
    public struct LookupError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The file (its path under the root) and the real root it lies in; the error names the places searched.
    public func resolve(_ file: String) throws -> (path: String, root: String) {
        guard !file.isEmpty, !file.contains("\0") else { throw LookupError(description: "expected a file name, got '\(Excerpt.of(file))'") }
        guard !file.hasPrefix("/") else {
            throw LookupError(description: "'\(Excerpt.of(file))': give a path relative to the scene file or an asset path, not an absolute path")
        }
        guard !file.split(separator: "/").contains("..") else {
            throw LookupError(
                description: "'\(Excerpt.of(file))' leaves its root by '..'; add the folder to the scene's asset_path or BENCHTOP_ASSET_PATH instead")
        }
        for dir in roots {
            guard let root = try? FileRoot(directory: dir) else { continue }
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(file).standardizedFileURL.path
            // lstat: a dangling symbolic link is found here and refused by the root, not skipped.
            var info = stat()
            guard lstat(candidate, &info) == 0 else { continue }
            do { _ = try root.resolve(file) } catch let e as FileRootError { throw LookupError(description: e.message) }
            return (candidate, root.directory)
        }
        throw LookupError(
            description:
                "no file '\(Excerpt.of(file))' under: \(roots.joined(separator: ", ")) (add its directory to the scene's asset_path or BENCHTOP_ASSET_PATH)"
        )
    }
}
