import BenchtopCore
import BenchtopScene
import Testing

@Suite struct CameraPlacementTests {
    let bodies = [
        BodyDescription(name: "table", kind: .table, parts: [], color: Color(1, 1, 1), mass: 0),
        BodyDescription(name: "arm/hand", kind: .robotLink, parts: [], color: Color(1, 1, 1), mass: 1),
    ]

    @Test func linkCameraFollowsTheLinkPose() throws {
        let hand = Pose(position: SIMD3(0.4, 0.1, 1.0), orientation: Quaternion(roll: 3.14159, pitch: 0, yaw: 0.3))
        let snapshot = WorldSnapshot(time: 0, step: 0, bodies: [BodyState(pose: .identity), BodyState(pose: hand)])
        let offset = Pose(position: SIMD3(0.05, 0, 0.02))
        let camera = Camera(
            name: "wrist", mount: .link(robot: "arm", link: "hand", offset: offset),
            intrinsics: .focal(fx: 100, fy: 100, cx: 64, cy: 48), width: 128, height: 96)
        let pinhole = try camera.pinhole(bodies: bodies, snapshot: snapshot)
        let expected = hand * offset
        #expect(length(pinhole.pose.position - expected.position) < 1e-12)
        #expect(pinhole.pose.orientation.angle(to: expected.orientation) < 1e-9)
        #expect(pinhole.fx == 100 && pinhole.cx == 64 && pinhole.width == 128)
    }

    @Test func unknownLinkNamesTheKnownLinks() {
        let camera = Camera(name: "wrist", mount: .link(robot: "arm", link: "gripper", offset: .identity))
        let snapshot = WorldSnapshot(time: 0, step: 0, bodies: [BodyState(pose: .identity), BodyState(pose: .identity)])
        #expect(throws: CameraPlacementError.unknownLink(camera: "wrist", body: "arm/gripper", known: ["arm/hand"])) {
            try camera.worldPose(bodies: bodies, snapshot: snapshot)
        }
        let message = CameraPlacementError.unknownLink(camera: "wrist", body: "arm/gripper", known: ["arm/hand"]).description
        #expect(message.contains("arm/gripper") && message.contains("arm/hand"))
    }

    @Test func lookAtCameraSeesItsTargetAtTheImageCentre() throws {
        let camera = Camera(
            name: "primary", mount: .lookAt(eye: SIMD3(1.05, 0, 1.25), target: SIMD3(0.45, 0, 0.75), up: SIMD3(0, 0, 1)),
            intrinsics: .verticalFieldOfView(degrees: 45), width: 320, height: 240)
        let pinhole = try camera.pinhole(bodies: [], snapshot: WorldSnapshot(time: 0, step: 0, bodies: []))
        let hit = try #require(pinhole.project(SIMD3(0.45, 0, 0.75)))
        #expect(abs(hit.pixel.x - 160) < 1e-9 && abs(hit.pixel.y - 120) < 1e-9)
    }
}
