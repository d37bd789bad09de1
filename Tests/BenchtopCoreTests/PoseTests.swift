import BenchtopCore
import Testing

@Suite struct PoseTests {
    @Test func rollPitchYawFollowsURDFConvention() {
        // R = Rz(yaw) Ry(pitch) Rx(roll): a yaw of 90 degrees maps x to y; a pitch of 90 degrees maps x to -z.
        let yaw = Quaternion(roll: 0, pitch: 0, yaw: .pi / 2)
        #expect(length(yaw.act(SIMD3(1, 0, 0)) - SIMD3(0, 1, 0)) < 1e-12)
        let pitch = Quaternion(roll: 0, pitch: .pi / 2, yaw: 0)
        #expect(length(pitch.act(SIMD3(1, 0, 0)) - SIMD3(0, 0, -1)) < 1e-12)
        let q = Quaternion(roll: 0.3, pitch: -0.4, yaw: 1.1)
        let composed =
            Quaternion(axis: SIMD3(0, 0, 1), angle: 1.1) * Quaternion(axis: SIMD3(0, 1, 0), angle: -0.4)
            * Quaternion(axis: SIMD3(1, 0, 0), angle: 0.3)
        #expect(q.angle(to: composed) < 1e-12)
        #expect(length(q.rollPitchYaw - SIMD3(0.3, -0.4, 1.1)) < 1e-12)
    }

    @Test func composeAndInvert() {
        let a = Pose(position: SIMD3(1, 2, 3), orientation: Quaternion(roll: 0.1, pitch: 0.2, yaw: 0.3))
        let b = Pose(position: SIMD3(-0.5, 0.4, 0.1), orientation: Quaternion(roll: -0.7, pitch: 0.1, yaw: 2.0))
        let p = SIMD3(0.3, -0.2, 0.9)
        #expect(length((a * b).transform(p) - a.transform(b.transform(p))) < 1e-12)
        let identity = a * a.inverse
        #expect(length(identity.position) < 1e-12 && identity.orientation.angle(to: .identity) < 1e-12)
    }

    @Test func rotationVectorRoundTrips() {
        let v = SIMD3(0.4, -1.2, 0.7)
        let q = Quaternion(rotationVector: v)
        #expect(length(q.rotationVector - v) < 1e-12)
        #expect(abs(q.angle(to: .identity) - length(v)) < 1e-12)
    }

    @Test func packedLayoutIsPositionThenXYZW() {
        let pose = Pose(position: SIMD3(1, 2, 3), orientation: Quaternion(x: 0, y: 0, z: 0.6, w: 0.8))
        #expect(pose.packed == [1, 2, 3, 0, 0, 0.6, 0.8])
        #expect(Pose(packed: pose.packed) == pose)
    }
}

@Suite struct SeededRandomTests {
    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        var c = SeededRandom(seed: 6)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
    }

    @Test func forksAreIndependentAndReproducible() {
        let root = SeededRandom(seed: 9)
        var layout = root.fork("layout")
        var noise = root.fork("noise")
        var layoutAgain = root.fork("layout")
        let l = (0..<10).map { _ in layout.next() }
        #expect(l == (0..<10).map { _ in layoutAgain.next() })
        #expect(l != (0..<10).map { _ in noise.next() })
    }

    @Test func uniformStaysInRangeAndGaussianHasUnitSpread() {
        var r = SeededRandom(seed: 1)
        let u = (0..<10_000).map { _ in r.uniform(-2, 3) }
        #expect(u.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(abs(u.reduce(0, +) / 10_000 - 0.5) < 0.05)
        let g = (0..<20_000).map { _ in r.gaussian() }
        let mean = g.reduce(0, +) / 20_000
        let variance = g.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
