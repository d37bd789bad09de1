import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Foundation
import Testing

/// Convex decomposition (HACD) of concave mesh objects, and its cache.
@Suite struct DecompositionTests {
    /// scenes/assets/u_channel.obj (scripts/make-assets.py): a closed U-shaped channel, 16 cm wide along x, 12 cm
    /// long along y, 8 cm tall, with 1.5 cm walls and floor.
    static var channel: String {
        (try? String(contentsOfFile: "\(repositoryRoot)/scenes/assets/u_channel.obj", encoding: .utf8)) ?? ""
    }

    func channelScene(collision: String) throws -> Scene {
        try SceneLoader.parse(
            """
            objects:
              - {name: channel, asset: mesh, file: assets/u_channel.obj, static: true, mass: 1, collision: \(collision), position: [0.5, 0]}
              - {name: block, asset: cube, size: [0.03, 0.03, 0.03], mass: 0.05, position: [0.5, 0.0, 0.9]}
            """, file: "\(repositoryRoot)/scenes/inline.yaml")
    }

    @Test func theChannelMeshIsClosedAndOutwardWound() {
        // Signed volume (divergence theorem) of the OBJ: positive when every triangle faces out.
        var v: [SIMD3<Double>] = []
        var signed = 0.0
        for line in Self.channel.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            if f.first == "v" { v.append(SIMD3(Double(f[1])!, Double(f[2])!, Double(f[3])!)) }
            if f.first == "f" {
                let (a, b, c) = (v[Int(f[1])! - 1], v[Int(f[2])! - 1], v[Int(f[3])! - 1])
                signed += dot(a, cross(b, c)) / 6
            }
        }
        let expected = (0.16 * 0.015 + 2 * 0.015 * 0.065) * 0.12
        #expect(abs(signed - expected) < 1e-9, "signed volume \(signed), expected \(expected)")
    }

    /// A block dropped over the channel falls into it when the channel collides as HACD's pieces, and stays on top of
    /// it when the channel is one convex hull (which fills the hollow).
    @Test func aDecomposedChannelCatchesTheBlockThatItsHullHoldsOnTop() throws {
        var heights: [String: Double] = [:]
        for collision in ["decomposition", "hull"] {
            let world = try World(scene: try channelScene(collision: collision))
            try world.step(480)  // 2 s
            let block = try #require(world.bodyID(named: "block"))
            heights[collision] = world.snapshot().bodies[block].pose.position.z
        }
        let table = 0.75
        // Inside: on the 1.5 cm floor, 1.5 cm half height (+ margins).
        #expect(abs(heights["decomposition"]! - (table + 0.015 + 0.015)) < 0.004, "in the channel: \(heights)")
        // The hull's top is the walls' top, 8 cm up.
        #expect(abs(heights["hull"]! - (table + 0.08 + 0.015)) < 0.004, "on the hull: \(heights)")
    }

    @Test func decompositionsAreCachedOnDiskByMeshAndParameters() throws {
        let dir = NSTemporaryDirectory() + "benchtop-decomposition-cache-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scene = try channelScene(collision: "decomposition")
        guard case .mesh(let channel) = scene.objects[0].asset, case .decomposition(let p) = channel.collision else {
            Issue.record("expected a decomposed mesh")
            return
        }
        let mesh = channel.weldedMesh
        let first = DecompositionCache(directory: dir)
        let hulls = try first.hulls(mesh, p)
        #expect(first.computed == 1)
        #expect(hulls.count >= 3, "a U needs at least floor and two walls: \(hulls.count) pieces")
        // Every piece lies inside the mesh's bounds.
        let (lo, hi) = mesh.bounds
        for piece in hulls { for q in piece { #expect(q.x >= lo.x - 1e-9 && q.x <= hi.x + 1e-9 && q.z >= lo.z - 1e-9 && q.z <= hi.z + 1e-9) } }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }
        #expect(files == [DecompositionCache.key(mesh, p) + ".json"])
        // A new process (a new cache on the same directory) reads the same bits instead of recomputing.
        let second = DecompositionCache(directory: dir)
        #expect(try second.hulls(mesh, p) == hulls)
        #expect(second.computed == 0)
        // Other parameters, another key.
        var q = p
        q.concavity *= 2
        #expect(DecompositionCache.key(mesh, q) != DecompositionCache.key(mesh, p))
        #expect(DecompositionCache.key(mesh.transformed(scale: SIMD3(repeating: 2)), p) != DecompositionCache.key(mesh, p))
    }

    @Test func theCacheLivesUnderTheUsersCacheDirectory() {
        #expect(DecompositionCache.defaultDirectory(["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"]) == "/x/cache/benchtop/decompositions")
        #expect(DecompositionCache.defaultDirectory(["HOME": "/h"]) == "/h/.cache/benchtop/decompositions")
    }
}
