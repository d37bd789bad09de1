/// A primitive collision and visual shape, in its own frame (cylinders and capsules along local z).
public enum Shape: Sendable, Hashable, Codable {
    case box(halfExtents: SIMD3<Double>)
    case sphere(radius: Double)
    case cylinder(radius: Double, halfHeight: Double)
    /// `halfHeight` is half the distance between the two sphere centres.
    case capsule(radius: Double, halfHeight: Double)
    case convexHull(points: [SIMD3<Double>])
    /// A triangle mesh read from a file. Drawn as it is; physics collides with the convex hull of its vertices.
    case mesh(TriangleMesh)

    /// Volume in cubic metres.
    public var volume: Double {
        switch self {
        case .box(let h): return 8 * h.x * h.y * h.z
        case .sphere(let r): return 4.0 / 3.0 * .pi * r * r * r
        case .cylinder(let r, let hh): return .pi * r * r * 2 * hh
        case .capsule(let r, let hh): return .pi * r * r * 2 * hh + 4.0 / 3.0 * .pi * r * r * r
        case .mesh(let m):
            return m.enclosedVolume
        case .convexHull(let pts):
            // Bounding-box estimate: only used to split mass between parts, never for physics.
            guard let first = pts.first else { return 0 }
            var lo = first
            var hi = first
            for p in pts {
                lo = pointwiseMin(lo, p)
                hi = pointwiseMax(hi, p)
            }
            let d = hi - lo
            return d.x * d.y * d.z / 2
        }
    }

    /// Axis-aligned half extents of the shape in its own frame.
    public var halfExtents: SIMD3<Double> {
        switch self {
        case .box(let h): return h
        case .sphere(let r): return SIMD3(repeating: r)
        case .cylinder(let r, let hh): return SIMD3(r, r, hh)
        case .capsule(let r, let hh): return SIMD3(r, r, hh + r)
        case .convexHull(let pts):
            var m = SIMD3<Double>.zero
            for p in pts { m = pointwiseMax(m, SIMD3(abs(p.x), abs(p.y), abs(p.z))) }
            return m
        case .mesh(let mesh):
            var m = SIMD3<Double>.zero
            for p in mesh.positions { m = pointwiseMax(m, SIMD3(abs(p.x), abs(p.y), abs(p.z))) }
            return m
        }
    }

    /// The triangles of a mesh shape (nil for the others).
    public var triangleMesh: TriangleMesh? {
        if case .mesh(let m) = self { return m }
        return nil
    }

    /// Points whose convex hull bounds the shape (the vertices of hulls and meshes; nil for the primitives).
    public var hullPoints: [SIMD3<Double>]? {
        switch self {
        case .convexHull(let points): return points
        case .mesh(let mesh): return mesh.positions
        default: return nil
        }
    }
}

/// An indexed triangle mesh in metres: one normal per vertex, triangles wound counter-clockwise seen from outside.
public struct TriangleMesh: Sendable, Hashable, Codable {
    public var positions: [SIMD3<Double>]
    public var normals: [SIMD3<Double>]
    public var indices: [UInt32]
    /// Texture coordinates, one per vertex (u right, v up, as OBJ and Assimp give them); empty: none.
    public var uvs: [SIMD2<Double>]

    public init(positions: [SIMD3<Double>], normals: [SIMD3<Double>], indices: [UInt32], uvs: [SIMD2<Double>] = []) {
        self.positions = positions
        self.normals = normals
        self.indices = indices
        self.uvs = uvs
    }

    /// Several meshes as one (indices renumbered); texture coordinates are kept only when every part has them.
    public init(joining meshes: [TriangleMesh]) {
        positions = []
        normals = []
        indices = []
        uvs = []
        let textured = meshes.allSatisfy { !$0.uvs.isEmpty }
        for m in meshes {
            let base = UInt32(positions.count)
            positions += m.positions
            normals += m.normals
            indices += m.indices.map { $0 + base }
            if textured { uvs += m.uvs }
        }
    }

    public var triangleCount: Int { indices.count / 3 }

    /// The volume the triangles enclose (divergence theorem); meaningful for closed meshes only.
    public var enclosedVolume: Double {
        var sum = 0.0
        var k = 0
        while k + 2 < indices.count {
            let a = positions[Int(indices[k])]
            let b = positions[Int(indices[k + 1])]
            let c = positions[Int(indices[k + 2])]
            sum += dot(a, cross(b, c))
            k += 3
        }
        return abs(sum) / 6
    }

    /// Axis-aligned bounds (lower, upper corner).
    public var bounds: (lower: SIMD3<Double>, upper: SIMD3<Double>) {
        guard let first = positions.first else { return (.zero, .zero) }
        var lo = first
        var hi = first
        for p in positions {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo, hi)
    }

    /// The mesh moved by `offset` and scaled per axis (normals re-normalised; a negative scale flips the winding).
    public func transformed(scale: SIMD3<Double>, offset: SIMD3<Double> = .zero) -> TriangleMesh {
        let p = positions.map { $0 * scale + offset }
        let n = normals.map { v -> SIMD3<Double> in
            let w = v / scale
            let l = length(w)
            return l > 0 ? w / l : v
        }
        var i = indices
        if scale.x * scale.y * scale.z < 0 {
            var k = 0
            while k + 2 < i.count {
                i.swapAt(k + 1, k + 2)
                k += 3
            }
        }
        return TriangleMesh(positions: p, normals: n, indices: i, uvs: uvs)
    }
}

/// One primitive placed in a body's frame.
public struct ShapePart: Sendable, Hashable, Codable {
    public var shape: Shape
    public var pose: Pose
    /// The part's own colour (a mesh material's); nil: the body's colour.
    public var color: Color?
    /// An image the part is painted with through its mesh's texture coordinates (a material's diffuse map); it
    /// replaces the colour where set.
    public var texture: TextureImage?
    public init(_ shape: Shape, pose: Pose = .identity, color: Color? = nil, texture: TextureImage? = nil) {
        self.shape = shape
        self.pose = pose
        self.color = color
        self.texture = texture
    }
}

/// An 8-bit RGBA image, rows top first, as a mesh material's diffuse texture map.
public struct TextureImage: Sendable, Hashable, Codable {
    /// The file the material names, for messages.
    public var name: String
    public var width: Int
    public var height: Int
    /// width * height * 4 bytes.
    public var rgba: [UInt8]
    /// FNV-1a of the pixels: hashing reads this, not the whole image.
    public let digest: UInt64

    public init(name: String, width: Int, height: Int, rgba: [UInt8]) {
        precondition(width > 0 && height > 0 && rgba.count == width * height * 4, "RGBA8 needs width * height * 4 bytes")
        self.name = name
        self.width = width
        self.height = height
        self.rgba = rgba
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in rgba { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        digest = h
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(width)
        hasher.combine(height)
        hasher.combine(digest)
    }

    public static func == (a: TextureImage, b: TextureImage) -> Bool {
        a.width == b.width && a.height == b.height && a.digest == b.digest && a.name == b.name && a.rgba == b.rgba
    }
}

/// A linear RGB colour with components in 0 ... 1.
public struct Color: Sendable, Hashable, Codable {
    public var r: Double, g: Double, b: Double
    public init(_ r: Double, _ g: Double, _ b: Double) {
        self.r = r
        self.g = g
        self.b = b
    }
}

/// What a body is, for rendering, segmentation and metrics.
public enum BodyKind: String, Sendable, Hashable, Codable {
    case ground, table, object, robotLink
}

/// The static description of one body of a compiled world: what it looks like and what it is.
///
/// The renderer draws `parts` at the pose a snapshot gives for the same body id; it never asks physics.
public struct BodyDescription: Sendable, Hashable, Codable {
    public var name: String
    public var kind: BodyKind
    public var parts: [ShapePart]
    public var color: Color
    /// Procedural texture name (table: wood, checker, noise, plain; objects: stripes, checker, dots, noise).
    public var texture: String?
    public var mass: Double
    /// Bodies without collision are visual markers (targets); physics ignores them.
    public var collides: Bool

    public init(
        name: String, kind: BodyKind, parts: [ShapePart], color: Color, texture: String? = nil,
        mass: Double, collides: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.parts = parts
        self.color = color
        self.texture = texture
        self.mass = mass
        self.collides = collides
    }
}
