import BenchtopCore
import Foundation

/// Triangle meshes of the shape primitives, generated once: interleaved position + normal floats and triangle
/// indices, wound counter-clockwise seen from outside (so back faces can be culled).
struct MeshData {
    var vertices: [Float] = []  // x y z nx ny nz
    var indices: [UInt32] = []
    /// u v per vertex, for meshes painted with an image; empty otherwise.
    var uvs: [Float] = []

    var vertexCount: Int { vertices.count / 6 }

    mutating func add(_ p: SIMD3<Double>, _ n: SIMD3<Double>) -> UInt32 {
        vertices += [Float(p.x), Float(p.y), Float(p.z), Float(n.x), Float(n.y), Float(n.z)]
        return UInt32(vertexCount - 1)
    }

    /// Adds a triangle, fixing its winding so that its face normal agrees with `outward`.
    mutating func triangle(_ a: UInt32, _ b: UInt32, _ c: UInt32, outward: SIMD3<Double>) {
        func p(_ i: UInt32) -> SIMD3<Double> {
            let k = Int(i) * 6
            return SIMD3(Double(vertices[k]), Double(vertices[k + 1]), Double(vertices[k + 2]))
        }
        let n = cross(p(b) - p(a), p(c) - p(a))
        if dot(n, outward) >= 0 { indices += [a, b, c] } else { indices += [a, c, b] }
    }

    init() {}

    /// A file's triangle mesh as it is, with its own normals (and texture coordinates when `textured`).
    init(_ mesh: TriangleMesh, textured: Bool = false) {
        vertices.reserveCapacity(mesh.positions.count * 6)
        for (p, n) in zip(mesh.positions, mesh.normals) {
            vertices += [Float(p.x), Float(p.y), Float(p.z), Float(n.x), Float(n.y), Float(n.z)]
        }
        indices = mesh.indices
        if textured, mesh.uvs.count == mesh.positions.count { uvs = mesh.uvs.flatMap { [Float($0.x), Float($0.y)] } }
    }

    /// The unit box: half extents 1 (scaled per instance), flat normals.
    static func box() -> MeshData {
        var m = MeshData()
        for axis in 0..<3 {
            for sign in [-1.0, 1.0] {
                var n = SIMD3<Double>.zero
                n[axis] = sign
                let u = (axis + 1) % 3
                let v = (axis + 2) % 3
                var corners: [UInt32] = []
                for (a, b) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                    var p = n
                    p[u] = a
                    p[v] = b
                    corners.append(m.add(p, n))
                }
                m.triangle(corners[0], corners[1], corners[2], outward: n)
                m.triangle(corners[0], corners[2], corners[3], outward: n)
            }
        }
        return m
    }

    /// The unit sphere (radius 1), a latitude-longitude mesh with smooth normals.
    static func sphere(stacks: Int = 16, slices: Int = 24) -> MeshData {
        var m = MeshData()
        for i in 0...stacks {
            let phi = Double.pi * Double(i) / Double(stacks)
            for j in 0...slices {
                let theta = 2 * Double.pi * Double(j) / Double(slices)
                let p = SIMD3(sin(phi) * cos(theta), sin(phi) * sin(theta), cos(phi))
                _ = m.add(p, p)
            }
        }
        let row = UInt32(slices + 1)
        for i in 0..<UInt32(stacks) {
            for j in 0..<UInt32(slices) {
                let a = i * row + j
                let b = a + row
                let c = b + 1
                let d = a + 1
                let centre = m.centroid([a, b, c, d])
                if i != UInt32(stacks - 1) { m.triangle(a, b, c, outward: centre) }
                if i != 0 { m.triangle(a, c, d, outward: centre) }
            }
        }
        return m
    }

    /// The unit cylinder along z: radius 1, half height 1, smooth sides and flat caps.
    static func cylinder(slices: Int = 32) -> MeshData {
        var m = MeshData()
        var ring: [(UInt32, UInt32)] = []
        for j in 0...slices {
            let theta = 2 * Double.pi * Double(j) / Double(slices)
            let n = SIMD3(cos(theta), sin(theta), 0)
            ring.append((m.add(SIMD3(n.x, n.y, -1), n), m.add(SIMD3(n.x, n.y, 1), n)))
        }
        for j in 0..<slices {
            let (a, b) = ring[j]
            let (c, d) = ring[j + 1]
            let mid = m.centroid([a, b, c, d])
            m.triangle(a, c, d, outward: mid)
            m.triangle(a, d, b, outward: mid)
        }
        for z in [-1.0, 1.0] {
            let n = SIMD3(0, 0, z)
            let centre = m.add(SIMD3(0, 0, z), n)
            var rim: [UInt32] = []
            for j in 0...slices {
                let theta = 2 * Double.pi * Double(j) / Double(slices)
                rim.append(m.add(SIMD3(cos(theta), sin(theta), z), n))
            }
            for j in 0..<slices { m.triangle(centre, rim[j], rim[j + 1], outward: n) }
        }
        return m
    }

    /// The convex hull of a point set, with flat normals (brute force over point triples: hulls here are small).
    static func convexHull(_ input: [SIMD3<Double>]) -> MeshData {
        // Deduplicate, and cap the count: the cubic search is only meant for the small hulls assets use.
        var points: [SIMD3<Double>] = []
        for p in input where !points.contains(where: { length($0 - p) < 1e-9 }) { points.append(p) }
        if points.count > 96 { points = Array(points.prefix(96)) }
        var m = MeshData()
        guard points.count >= 4 else { return m }
        var centroid = SIMD3<Double>.zero
        for p in points { centroid += p }
        centroid /= Double(points.count)
        let eps = 1e-9
        var faces: [(n: SIMD3<Double>, d: Double)] = []
        for i in 0..<points.count {
            for j in (i + 1)..<points.count {
                for k in (j + 1)..<points.count {
                    var n = cross(points[j] - points[i], points[k] - points[i])
                    let len = length(n)
                    guard len > 1e-12 else { continue }
                    n /= len
                    if dot(n, points[i] - centroid) < 0 { n = -n }
                    let d = dot(n, points[i])
                    guard points.allSatisfy({ dot(n, $0) <= d + eps }) else { continue }
                    // One triangle fan per distinct face plane.
                    if faces.contains(where: { dot($0.n, n) > 1 - 1e-9 && abs($0.d - d) < 1e-7 }) { continue }
                    faces.append((n, d))
                }
            }
        }
        for face in faces {
            // The face polygon: points on the plane, sorted by angle around their centre.
            let onPlane = points.filter { abs(dot(face.n, $0) - face.d) < 1e-7 }
            var c = SIMD3<Double>.zero
            for p in onPlane { c += p }
            c /= Double(onPlane.count)
            let u = (onPlane[0] - c) / max(length(onPlane[0] - c), 1e-12)
            let v = cross(face.n, u)
            let sorted = onPlane.sorted { atan2(dot($0 - c, v), dot($0 - c, u)) < atan2(dot($1 - c, v), dot($1 - c, u)) }
            let ids = sorted.map { m.add($0, face.n) }
            for t in 1..<(ids.count - 1) { m.triangle(ids[0], ids[t], ids[t + 1], outward: face.n) }
        }
        return m
    }

    private func centroid(_ ids: [UInt32]) -> SIMD3<Double> {
        var c = SIMD3<Double>.zero
        for i in ids {
            let k = Int(i) * 6
            c += SIMD3(Double(vertices[k]), Double(vertices[k + 1]), Double(vertices[k + 2]))
        }
        return c / Double(ids.count)
    }
}
