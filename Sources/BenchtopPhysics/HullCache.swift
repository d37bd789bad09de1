import BenchtopCore
import Foundation

/// Collision hulls of meshes, computed once per process: every reset and every world of a sweep reuses them.
final class HullCache: @unchecked Sendable {
    static let shared = HullCache()

    private let lock = NSLock()
    private var hulls: [TriangleMesh: [SIMD3<Double>]] = [:]

    func collisionHull(_ mesh: TriangleMesh) -> [SIMD3<Double>] {
        lock.lock()
        if let hit = hulls[mesh] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let hull = BulletWorld.simplifiedHull(mesh.positions)
        lock.lock()
        hulls[mesh] = hull
        lock.unlock()
        return hull
    }
}
