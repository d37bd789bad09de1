import BenchtopCore
import BenchtopImage
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import Foundation
import Testing

/// Rendering tests run headless on EGL (Mesa llvmpipe in CI). Serialized: each test owns a GL context on its thread.
@Suite(.serialized) struct RenderTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()

    /// A 2 m square slab whose top surface is the plane z = 0 (body 0).
    static let plane = BodyDescription(
        name: "plane", kind: .table, parts: [ShapePart(.box(halfExtents: SIMD3(1, 1, 0.05)))],
        color: Color(0.5, 0.5, 0.5), mass: 0)
    static let planePose = Pose(position: SIMD3(0, 0, -0.05))
    static let light = Light(direction: SIMD3(-0.3, 0.2, -1))

    @Test func depthOfAPlaneIsMetricWithinAMillimetre() throws {
        let context = try HeadlessContext()
        let renderer = try SceneRenderer(bodies: [Self.plane], lights: [Self.light], background: Color(0, 0, 0))
        let snapshot = WorldSnapshot(time: 0, step: 0, bodies: [BodyState(pose: Self.planePose)])
        // Straight down from 1.3 m: z-depth is 1.3 m at every pixel.
        let down = PinholeCamera(
            width: 160, height: 120, verticalFieldOfView: 40, near: 0.05, far: 5,
            pose: Pose(position: SIMD3(0.1, -0.05, 1.3)))
        let images = try renderer.render(snapshot, camera: down)
        let depth = try #require(images.depth)
        let worst = depth.values.map { abs(Double($0) - 1.3) }.max() ?? .infinity
        #expect(worst < 0.001, "worst depth error \(worst) m")
        #expect(try #require(images.segmentation).ids.allSatisfy { $0 == 0 })
        // Tilted, off-centre principal point: every pixel unprojects onto the plane z = 0.
        let tilted = PinholeCamera(
            width: 200, height: 150, fx: 180, fy: 170, cx: 90, cy: 80, near: 0.05, far: 5,
            pose: PinholeCamera.lookAt(eye: SIMD3(0.6, 0.3, 0.7), target: SIMD3(0, 0, 0)))
        let slanted = try renderer.render(snapshot, camera: tilted)
        let d = try #require(slanted.depth)
        var worstZ = 0.0
        var seen = 0
        for row in 0..<d.height {
            for column in 0..<d.width where Double(d[column, row]) < tilted.far {
                let p = tilted.unproject(column: column, row: row, depth: Double(d[column, row]))
                if abs(p.x) < 0.95 && abs(p.y) < 0.95 {
                    worstZ = max(worstZ, abs(p.z))
                    seen += 1
                }
            }
        }
        #expect(seen > d.width * d.height / 2)
        #expect(worstZ < 0.001, "worst unprojected height \(worstZ) m")
        _ = context
    }

    @Test func renderedSphereSitsWhereTheCameraModelProjectsIt() throws {
        let context = try HeadlessContext()
        let centre = SIMD3(0.1, -0.05, 0.03)
        let ball = BodyDescription(name: "ball", kind: .object, parts: [ShapePart(.sphere(radius: 0.03))], color: Color(1, 0, 0), mass: 0.1)
        let renderer = try SceneRenderer(bodies: [Self.plane, ball], lights: [Self.light], background: Color(0, 0, 0))
        let snapshot = WorldSnapshot(time: 0, step: 0, bodies: [BodyState(pose: Self.planePose), BodyState(pose: Pose(position: centre))])
        let camera = PinholeCamera(
            width: 320, height: 240, fx: 400, fy: 400, cx: 150, cy: 130, near: 0.05, far: 5,
            pose: PinholeCamera.lookAt(eye: SIMD3(0.5, 0.3, 0.6), target: SIMD3(0.05, 0, 0)))
        let images = try renderer.render(snapshot, camera: camera)
        let ids = try #require(images.segmentation)
        let depth = try #require(images.depth)
        var sum = SIMD2<Double>.zero
        var count = 0.0
        var worstRadius = 0.0
        for row in 0..<ids.height {
            for column in 0..<ids.width where ids[column, row] == 1 {
                sum += SIMD2(Double(column) + 0.5, Double(row) + 0.5)
                count += 1
                // Pixel + depth back to the world: on the sphere's surface within a millimetre.
                let p = camera.unproject(column: column, row: row, depth: Double(depth[column, row]))
                worstRadius = max(worstRadius, abs(length(p - centre) - 0.03))
            }
        }
        #expect(count > 300)
        let expected = try #require(camera.project(centre)).pixel
        let centroid = sum / count
        let offset = centroid - expected
        #expect((offset * offset).sum().squareRoot() < 0.5, "sphere centroid \(centroid), projected centre \(expected)")
        #expect(worstRadius < 0.001, "worst distance from the sphere surface \(worstRadius) m")
        _ = context
    }

    /// The pick_cube scene as physics builds it (no robot: the embodiments are not part of this test).
    func pickCube() throws -> (Scene, World) {
        let scene = try SceneLoader.load(path: "\(Self.root)/scenes/pick_cube.yaml")
        return (scene, try World(scene: scene, seed: 0))
    }

    @Test func sceneImageShowsTableAndCubeInTheirColours() throws {
        let (scene, world) = try pickCube()
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let snapshot = world.snapshot()
        let images = try cameras.images(of: snapshot, camera: "primary")
        let rgb = try #require(images.rgb)
        let ids = try #require(images.segmentation)
        let primary = try cameras.pinhole(named: "primary", snapshot: snapshot)
        let cubeID = try #require(world.bodyID(named: "cube"))
        let tableID = try #require(world.bodyID(named: "table"))

        // Not blank: many distinct colours.
        var distinct = Set<Int>()
        for i in stride(from: 0, to: rgb.pixels.count, by: 3) {
            distinct.insert(Int(rgb.pixels[i]) << 16 | Int(rgb.pixels[i + 1]) << 8 | Int(rgb.pixels[i + 2]))
        }
        #expect(distinct.count > 200)

        // The cube's top centre: red, and segmented as the cube.
        let cubePose = snapshot.bodies[cubeID].pose
        let top = try #require(primary.project(cubePose.transform(SIMD3(0, 0, 0.025)))).pixel
        let (cu, cv) = (Int(top.x), Int(top.y))
        #expect(Int(ids[cu, cv]) == cubeID)
        let cube = rgb[cu, cv]
        #expect(cube.r > 150 && cube.g < 60 && cube.b < 60, "cube pixel \(cube)")

        // A lit point of the table: wood brown (red > green > blue) and segmented as the table.
        let onTable = try #require(primary.project(SIMD3(0.35, 0.2, 0.75))).pixel
        let (tu, tv) = (Int(onTable.x), Int(onTable.y))
        #expect(Int(ids[tu, tv]) == tableID)
        let wood = rgb[tu, tv]
        #expect(wood.r > wood.g && wood.g > wood.b && wood.r > 90, "table pixel \(wood)")

        // The side camera sees the background sky in its top row: id -1 and the scene's background colour.
        let side = try cameras.images(of: snapshot, camera: "side")
        let sideIDs = try #require(side.segmentation)
        let sideRGB = try #require(side.rgb)
        #expect(sideIDs[128, 0] == -1)
        let sky = sideRGB[128, 0]
        #expect(abs(Int(sky.r) - Int((scene.background.r * 255).rounded())) <= 1)
        #expect(abs(Int(sky.b) - Int((scene.background.b * 255).rounded())) <= 1)
        #expect(try #require(side.depth)[128, 0] == Float(scene.cameras[1].far))
    }

    @Test func severalCamerasInOneCallMatchSeparateRenders() throws {
        let (scene, world) = try pickCube()
        try world.step(60)
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let snapshot = world.snapshot()
        let both = try cameras.images(of: snapshot, cameras: ["primary", "side"])
        let primary = try cameras.images(of: snapshot, camera: "primary")
        let side = try cameras.images(of: snapshot, camera: "side")
        #expect(both[0] == primary)
        #expect(both[1] == side)
        #expect(both[0].rgb != both[1].rgb)
        let rgbOnly = try cameras.images(of: snapshot, camera: "primary", outputs: .rgb)
        #expect(rgbOnly.rgb == primary.rgb && rgbOnly.depth == nil && rgbOnly.segmentation == nil)
        // Per-camera outputs draw only the requested attachments and give the same pixels as a full render.
        let mixed = try cameras.images(of: snapshot, requests: [("primary", [.rgb, .depth]), ("side", .segmentation)])
        #expect(mixed[0].rgb == primary.rgb && mixed[0].depth == primary.depth && mixed[0].segmentation == nil)
        #expect(mixed[1].segmentation == side.segmentation && mixed[1].rgb == nil && mixed[1].depth == nil)
    }

    /// The shadow map is redrawn only where casters moved; the images must be the bits a full redraw gives.
    @Test func shadowMapRedrawnWhereCastersMovedMatchesAFullRedraw() throws {
        let scene = try SceneLoader.load(path: "\(Self.root)/scenes/stack_blocks.yaml")
        let world = try World(scene: scene, seed: 0)
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let start = world.snapshot()
        let cubeID = try #require(world.bodyID(named: "blue_block"))
        let other = try #require(world.bodyID(named: "yellow_block"))
        var frames: [WorldSnapshot] = []
        for k in 0..<6 {
            var bodies = start.bodies
            let t = Double(k)
            // One block slides and lifts (its shadow moves over the table), the other slides the other way; frame 3
            // puts the first far outside the table, which changes the light's projection, and frame 4 brings it back.
            bodies[cubeID].pose.position += SIMD3(0.04 * t, -0.05 * t, 0.03 * t)
            if k == 3 { bodies[cubeID].pose.position = SIMD3(2.5, 1.5, 1.8) }
            bodies[other].pose.position += SIMD3(-0.03 * t, 0.04 * t, 0)
            frames.append(WorldSnapshot(time: Double(k), step: k, bodies: bodies))
        }
        frames.append(frames[2])  // back to an earlier layout
        let cameraNames = scene.cameras.map(\.name)
        for (k, snapshot) in frames.enumerated() {
            let incremental = try cameras.images(of: snapshot, cameras: cameraNames)
            let fresh = try SceneRenderer(scene: scene, bodies: world.bodies)
            let full = try cameraNames.map {
                try fresh.render(snapshot, camera: try cameras.pinhole(named: $0, snapshot: snapshot), outputs: .rgb).rgb
            }
            let same = incremental.map(\.rgb) == full  // a Bool: a failure prints no pixel arrays
            #expect(same, "frame \(k): the partly redrawn shadow map gave other pixels than a full redraw")
        }
    }

    @Test func keyLightCastsAShadow() throws {
        let context = try HeadlessContext()
        let block = BodyDescription(
            name: "block", kind: .object, parts: [ShapePart(.box(halfExtents: SIMD3(0.05, 0.05, 0.05)))],
            color: Color(0.2, 0.4, 0.9), mass: 1)
        let overhead = Light(direction: SIMD3(0, 0, -1))
        let snapshot = WorldSnapshot(
            time: 0, step: 0,
            bodies: [
                BodyState(pose: Self.planePose),
                BodyState(pose: Pose(position: SIMD3(0, 0, 0.2))),
            ])
        let camera = PinholeCamera(
            width: 200, height: 200, verticalFieldOfView: 50, near: 0.05, far: 5,
            pose: PinholeCamera.lookAt(eye: SIMD3(0.8, 0, 0.8), target: .zero))
        let under = try #require(camera.project(.zero)).pixel
        let aside = try #require(camera.project(SIMD3(0, 0.3, 0))).pixel
        func brightness(_ image: RGBImage, _ p: SIMD2<Double>) -> Int {
            let c = image[Int(p.x), Int(p.y)]
            return Int(c.r) + Int(c.g) + Int(c.b)
        }
        let shadowed = try #require(
            try SceneRenderer(bodies: [Self.plane, block], lights: [overhead], background: Color(0, 0, 0))
                .render(snapshot, camera: camera).rgb)
        #expect(brightness(shadowed, under) * 2 < brightness(shadowed, aside), "the plane under the block is in shadow")
        let unshadowed = try #require(
            try SceneRenderer(
                bodies: [Self.plane, block], lights: [overhead], background: Color(0, 0, 0),
                shadowMapSize: 0
            ).render(snapshot, camera: camera).rgb)
        #expect(abs(brightness(unshadowed, under) - brightness(unshadowed, aside)) < 12, "without a shadow map both are lit")
        _ = context
    }

    @Test func wristCameraFollowsItsLink() throws {
        let hand = BodyDescription(
            name: "arm/hand", kind: .robotLink, parts: [ShapePart(.capsule(radius: 0.02, halfHeight: 0.03))],
            color: Color(0.9, 0.9, 0.9), mass: 1)
        let wrist = Camera(
            name: "wrist", mount: .link(robot: "arm", link: "hand", offset: Pose(position: SIMD3(0, 0, -0.06))),
            intrinsics: .verticalFieldOfView(degrees: 60), width: 64, height: 48, near: 0.01, far: 3)
        let scene = Scene(name: "wrist", lights: [Self.light], cameras: [wrist])
        let cameras = try CameraRenderer(scene: scene, bodies: [Self.plane, hand])
        // The hand hangs 0.5 m above the plane; its camera looks down its -z axis from 6 cm below it.
        for height in [0.5, 0.8] {
            let snapshot = WorldSnapshot(
                time: 0, step: 0,
                bodies: [
                    BodyState(pose: Self.planePose),
                    BodyState(pose: Pose(position: SIMD3(0.1, 0, height))),
                ])
            let depth = try #require(try cameras.images(of: snapshot, camera: "wrist").depth)
            #expect(abs(Double(depth[32, 24]) - (height - 0.06)) < 0.001)
        }
        #expect(throws: RenderError.self) { try cameras.images(of: WorldSnapshot(time: 0, step: 0, bodies: []), camera: "top") }
    }
}
