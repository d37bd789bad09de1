import BenchtopCore
import Testing

@Suite struct PinholeCameraTests {
    /// A camera at (1, 2, 3) looking straight down the world's -z axis (camera y = world +y).
    let down = PinholeCamera(
        width: 256, height: 192, fx: 200, fy: 210, cx: 130, cy: 95, near: 0.05, far: 20,
        pose: Pose(position: SIMD3(1, 2, 3)))

    @Test func knownPointProjectsToExpectedPixel() throws {
        // 2 m in front, 0.1 m right and 0.05 m up of the optical axis.
        let hit = try #require(down.project(SIMD3(1.1, 2.05, 1)))
        #expect(abs(hit.pixel.x - (130 + 200 * 0.1 / 2)) < 1e-9)
        #expect(abs(hit.pixel.y - (95 - 210 * 0.05 / 2)) < 1e-9)
        #expect(abs(hit.depth - 2) < 1e-12)
        #expect(down.project(SIMD3(1, 2, 4)) == nil, "points behind the camera do not project")
    }

    @Test func pixelAndDepthRoundTripToTheWorldPoint() throws {
        let camera = PinholeCamera(
            width: 640, height: 480, verticalFieldOfView: 58,
            pose: PinholeCamera.lookAt(eye: SIMD3(1.05, 0.1, 1.25), target: SIMD3(0.45, 0, 0.75)))
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200 {
            let p = SIMD3(rng.uniform(0.2, 0.7), rng.uniform(-0.3, 0.3), rng.uniform(0.7, 1.0))
            let hit = try #require(camera.project(p))
            let back = camera.unproject(pixel: hit.pixel, depth: hit.depth)
            #expect(length(back - p) < 1e-9)
        }
        // Pixel centres: column 0, row 0 is the top-left pixel, at (0.5, 0.5).
        let corner = camera.unproject(column: 0, row: 0, depth: 1)
        let projected = try #require(camera.project(corner))
        #expect(abs(projected.pixel.x - 0.5) < 1e-9 && abs(projected.pixel.y - 0.5) < 1e-9)
    }

    @Test func lookAtPointsTheOpticalAxisAtTheTarget() throws {
        let eye = SIMD3(1.05, 0.0, 1.25)
        let target = SIMD3(0.45, 0.0, 0.75)
        let camera = PinholeCamera(width: 256, height: 256, verticalFieldOfView: 45, pose: PinholeCamera.lookAt(eye: eye, target: target))
        let hit = try #require(camera.project(target))
        #expect(abs(hit.pixel.x - 128) < 1e-9 && abs(hit.pixel.y - 128) < 1e-9)
        #expect(abs(hit.depth - length(target - eye)) < 1e-9)
        // World up appears as image up: a point above the target has a smaller v.
        let above = try #require(camera.project(target + SIMD3(0, 0, 0.1)))
        #expect(above.pixel.y < 128)
        // Looking straight down still gives a valid orthonormal pose.
        let straightDown = PinholeCamera.lookAt(eye: SIMD3(0, 0, 2), target: .zero)
        #expect(abs(straightDown.orientation.norm - 1) < 1e-12)
        #expect(length(straightDown.orientation.act(SIMD3(0, 0, -1)) - SIMD3(0, 0, -1)) < 1e-9)
    }

    @Test func projectionMatrixAgreesWithProject() throws {
        let camera = PinholeCamera(
            width: 320, height: 240, fx: 300, fy: 280, cx: 150, cy: 130, near: 0.1, far: 5,
            pose: PinholeCamera.lookAt(eye: SIMD3(0.5, -0.4, 1.2), target: SIMD3(0.4, 0.1, 0.75)))
        let p = SIMD3(0.42, 0.05, 0.8)
        let hit = try #require(camera.project(p))
        func apply(_ m: [Double], _ v: SIMD4<Double>) -> SIMD4<Double> {
            SIMD4((0..<4).map { r in (0..<4).reduce(0) { $0 + m[$1 * 4 + r] * v[$1] } })
        }
        let view = apply(camera.viewMatrix, SIMD4(p.x, p.y, p.z, 1))
        for flip in [false, true] {
            let clip = apply(camera.projectionMatrix(flipY: flip), view)
            let ndc = SIMD2(clip.x / clip.w, clip.y / clip.w)
            let u = (ndc.x + 1) / 2 * 320
            let v = flip ? (ndc.y + 1) / 2 * 240 : (1 - ndc.y) / 2 * 240
            #expect(abs(u - hit.pixel.x) < 1e-6 && abs(v - hit.pixel.y) < 1e-6)
            #expect(abs(clip.w - hit.depth) < 1e-9)
        }
        let fov = PinholeCamera(width: 200, height: 100, verticalFieldOfView: 60)
        #expect(abs(fov.verticalFieldOfView - 60) < 1e-9)
    }
}
