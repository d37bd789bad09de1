import BenchtopCore
import BenchtopMesh
import Foundation

extension SceneParser {
    /// `asset: mesh`: the file, its scale, and what physics collides with (`collision: hull | decomposition`, with
    /// optional `decomposition: {concavity, min_hulls, max_hull_vertices}`).
    func meshAsset(_ m: MappingReader) throws -> MeshAsset {
        let (file, path, root) = try assetFile(m, kinds: MeshFile.extensions)
        var scale = SIMD3<Double>(repeating: 1)
        if let v = m.optional("scale") {
            if case .scalar = v.node { scale = SIMD3(repeating: try v.positiveDouble()) } else { scale = try v.vector3() }
            guard scale.x > 0, scale.y > 0, scale.z > 0 else { throw v.error(.outOfRange, "expected positive scale factors") }
        }
        var asset: MeshAsset
        do {
            asset = try MeshAsset(file: file, path: path, root: root, scale: scale)
        } catch let e as MeshError {
            throw try m.required("file", "").error(.unreadable, e.reason)
        }
        let mode = try m.optional("collision").map { v -> String in
            let s = try v.string()
            guard ["hull", "decomposition"].contains(s) else {
                throw v.error(.outOfRange, "expected 'hull' (one convex hull) or 'decomposition' (convex pieces by HACD), got '\(s)'")
            }
            return s
        }
        let parameters = try m.optional("decomposition").map(decompositionParameters)
        if mode == "decomposition" {
            asset.collision = .decomposition(parameters ?? DecompositionParameters())
        } else if let v = m.optional("decomposition") {
            throw v.error(.wrongType, "'decomposition' parameters need 'collision: decomposition'")
        }
        return asset
    }

    func decompositionParameters(_ r: NodeReader) throws -> DecompositionParameters {
        let m = try r.mapping()
        var p = DecompositionParameters()
        func count(_ v: NodeReader, _ range: ClosedRange<Int>, _ what: String) throws -> Int {
            let n = try v.int()
            guard range.contains(n) else { throw v.error(.outOfRange, "expected \(range.lowerBound) ... \(range.upperBound) \(what), got \(n)") }
            return n
        }
        if let v = m.optional("concavity") {
            p.concavity = try v.double(in: DecompositionParameters.concavityRange, "(fraction of the bounding-box diagonal)")
        }
        if let v = m.optional("min_hulls") { p.minHulls = try count(v, DecompositionParameters.minHullsRange, "hulls") }
        if let v = m.optional("max_hull_vertices") {
            p.maxHullVertices = try count(v, DecompositionParameters.maxHullVerticesRange, "vertices per hull")
        }
        try m.finish(allowed: ["concavity", "min_hulls", "max_hull_vertices"])
        return p
    }
}
