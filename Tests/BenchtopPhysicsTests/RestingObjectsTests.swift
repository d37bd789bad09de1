import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Testing

/// Round things on the table stay where they were put, and still roll when pushed.
@Suite struct RestingObjectsTests {
    func roundThings() -> [SceneObject] {
        [
            SceneObject(name: "ball", asset: .sphere(radius: 0.022), mass: 0.05, color: Color(1, 0, 0), position: SIMD3(0.5, 0.15, 0)),
            // A drinks can lying on its side, its axis along y.
            SceneObject(
                name: "can", asset: .can(radius: 0.033, height: 0.12), mass: 0.2, color: Color(0, 0, 1),
                position: SIMD3(0.5, -0.15, 0), orientation: SIMD3(Double.pi / 2, 0, 0)),
            SceneObject(
                name: "bottle", asset: .bottle(radius: 0.03, height: 0.2), mass: 0.3, color: Color(0, 1, 0),
                position: SIMD3(0.3, 0, 0), orientation: SIMD3(Double.pi / 2, 0, 0.4)),
        ]
    }

    @Test func ballAndLyingCanMoveLessThanAMillimetreInTenSeconds() throws {
        let world = try World(scene: tableScene(roundThings()))
        let start = world.snapshot()
        try world.step(2400)  // 10 s at 1/240 s
        let end = world.snapshot()
        for name in ["ball", "can", "bottle"] {
            let id = try #require(world.bodyID(named: name))
            let moved = length(end.bodies[id].pose.position - start.bodies[id].pose.position)
            #expect(moved < 0.001, "\(name) moved \(moved) m in 10 s")
        }
    }

    @Test func aPushedBallRollsAndSlowsDown() throws {
        let world = try World(scene: tableScene(roundThings()))
        let ball = try #require(world.bodyID(named: "ball"))
        try world.step(24)
        let speed = 0.1
        world.setVelocity(body: ball, linear: SIMD3(speed, 0, 0), angular: SIMD3(0, speed / 0.022, 0))
        let start = world.snapshot().bodies[ball].pose.position
        try world.step(120)  // 0.5 s
        let rolling = world.snapshot().bodies[ball]
        #expect(rolling.pose.position.x - start.x > 0.02, "the ball should roll on")
        #expect(length(rolling.linearVelocity) < speed, "rolling must not gain speed")
        #expect(rolling.pose.position.z > 0.75, "still on the table")
    }

    @Test func roundAssetsDefaultToRollingFrictionAndSceneValuesWin() throws {
        #expect(Asset.sphere(radius: 0.02).defaultRollingFriction > 0)
        #expect(Asset.cube(size: SIMD3(repeating: 0.05)).defaultRollingFriction == 0)
        let scene = try SceneLoader.parse(
            """
            objects:
              - {name: a, asset: sphere, radius: 0.02, mass: 0.05, position: [0.5, 0]}
              - {name: b, asset: sphere, radius: 0.02, mass: 0.05, position: [0.5, 0.1], rolling_friction: 0}
            """, file: "inline.yaml")
        #expect(scene.objects[0].rollingFriction == Asset.sphere(radius: 0.02).defaultRollingFriction)
        #expect(scene.objects[1].rollingFriction == 0)
    }
}
