import BenchtopBenchKit
import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Foundation

extension PhysicsBench {
    /// `bench physics --mesh-shapes`: the same pile of extra objects as cubes, as meshes colliding by one hull, and as
    /// a concave mesh colliding by one hull and by its HACD pieces; steps/s interleaved run by run, and the one-time
    /// cost of decomposing (uncached) and of reading the cached pieces.
    func runMeshShapes(_ base: Scene) throws {
        let assets = "scenes/assets"
        guard let root = FileRoot.realPath(assets) else { throw BenchError("run from the repository root (no \(assets))") }
        let nut = try MeshAsset(file: "toy_nut.obj", path: "\(root)/toy_nut.obj", root: root, scale: SIMD3(repeating: 1))
        // The channel at 30%: 4.8 x 3.6 x 2.4 cm, the size of the other objects.
        let channel = try MeshAsset(file: "u_channel.obj", path: "\(root)/u_channel.obj", root: root, scale: SIMD3(repeating: 0.3))
        var decomposed = channel
        let parameters = DecompositionParameters()
        decomposed.collision = .decomposition(parameters)

        let clock = ContinuousClock()
        let fresh = DecompositionCache(directory: nil)
        var start = clock.now
        let pieces = try fresh.hulls(decomposed.weldedMesh, parameters)
        let decomposeTime = (clock.now - start) / .seconds(1)
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-bench-decompositions-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: cacheDir) }
        _ = try DecompositionCache(directory: cacheDir).hulls(decomposed.weldedMesh, parameters)
        start = clock.now
        _ = try DecompositionCache(directory: cacheDir).hulls(decomposed.weldedMesh, parameters)
        let readTime = (clock.now - start) / .seconds(1)

        let kinds: [(String, Asset)] = [
            ("5 cm cubes (box primitive)", .cube(size: SIMD3(repeating: 0.05))),
            ("toy_nut.obj, one hull (12 points)", .mesh(nut)),
            ("u_channel.obj at 30%, one hull", .mesh(channel)),
            ("u_channel.obj at 30%, HACD decomposition (\(pieces.count) pieces)", .mesh(decomposed)),
        ]
        let scenes = kinds.map { kind -> Scene in
            var s = BenchmarkScene.addingObjects(to: base, count: extra, seed: 7)
            for i in s.objects.indices where s.objects[i].name.hasPrefix("extra") { s.objects[i].asset = kind.1 }
            return s
        }
        var rates = [[Double]](repeating: [], count: kinds.count)
        for run in 0..<runs {
            // Rotate the order run by run, so that no kind always meets the machine in the same state.
            for k in 0..<kinds.count {
                let i = (k + run) % kinds.count
                rates[i].append(try measureBenchtop(scenes[i]))
            }
        }
        print("scene \(base.name) + \(extra) extra objects of one kind, \(steps) steps, median of \(runs) interleaved runs, one thread\n")
        print("| extra objects | steps/s | / cubes |")
        print("|---|---:|---:|")
        let cubes = median(rates[0])
        for (k, kind) in kinds.enumerated() {
            let m = median(rates[k])
            print("| \(kind.0) | \(Int(m.rounded())) | \(String(format: "%.2f", m / cubes))x |")
        }
        print(
            "\nHACD on u_channel.obj (\(decomposed.weldedMesh.triangleCount) triangles): \(String(format: "%.1f", decomposeTime * 1000)) ms once; reading the cached pieces: \(String(format: "%.2f", readTime * 1000)) ms"
        )
    }
}
