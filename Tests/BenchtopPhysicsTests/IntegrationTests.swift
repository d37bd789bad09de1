import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Testing

@Suite struct IntegrationTests {
    @Test func nativeLayerIsDoublePrecision() {
        #expect(World.nativeIsDoublePrecision)
    }

    /// Bullet integrates semi-implicit Euler: v += g dt, then z += v dt, so z_n = z0 - g dt^2 n(n+1)/2.
    @Test func freeFallMatchesTheIntegratorsClosedForm() throws {
        let z0 = 10.0  // off the table and high enough to meet nothing for 1 s
        let world = try World(scene: tableScene([cube("ball", at: SIMD3(3, 0, z0))]))
        let id = try #require(world.bodyID(named: "ball"))
        let g = 9.81
        let dt = world.timeStep
        var worstDiscrete = 0.0
        for n in 1...240 {
            try world.step()
            let z = world.snapshot().bodies[id].pose.position.z
            let discrete = z0 - g * dt * dt * Double(n * (n + 1)) / 2
            worstDiscrete = max(worstDiscrete, abs(z - discrete))
            let t = Double(n) * dt
            #expect(abs(z - (z0 - g * t * t / 2)) <= g * dt * t / 2 + 1e-12)
        }
        #expect(worstDiscrete < 1e-9)
        #expect(abs(world.time - 1.0) < 1e-12)
    }

    @Test func boxRestingOnTheTableDriftsLessThanAMillimetre() throws {
        let world = try World(scene: tableScene([cube("box", at: SIMD3(0.4, 0.1, 0), restsOnTable: true)]))
        let id = try #require(world.bodyID(named: "box"))
        let start = world.snapshot().bodies[id].pose.position
        try world.step(2400)
        let end = world.snapshot().bodies[id].pose.position
        #expect(length(end - start) < 0.001)
    }

    @Test func stackOfThreeCubesStaysStanding() throws {
        let s = 0.05
        let top = 0.75
        let cubes = (0..<3).map { i in
            cube("c\(i)", size: s, at: SIMD3(0.4, 0, top + s / 2 + Double(i) * s))
        }
        let world = try World(scene: tableScene(cubes))
        try world.step(2400)
        let snap = world.snapshot()
        for i in 0..<3 {
            let p = snap.bodies[world.bodyID(named: "c\(i)")!].pose
            #expect(abs(p.position.x - 0.4) < 0.005 && abs(p.position.y) < 0.005, "cube \(i) slid to \(p.position)")
            #expect(abs(p.position.z - (top + s / 2 + Double(i) * s)) < 0.002, "cube \(i) at height \(p.position.z)")
        }
    }

    /// A box on a static plane tilted by 20 degrees (tan = 0.364). Bullet combines friction coefficients by
    /// product, so with the plane at 1.0 the box's own coefficient is the effective one.
    @Test(arguments: [(0.6, false), (0.2, true)])
    func boxOnTiltedPlaneSlidesOrSticksByFriction(mu: Double, slides: Bool) throws {
        let angle = 20.0 * Double.pi / 180
        let plane = SceneObject(
            name: "ramp", asset: .cube(size: SIMD3(0.6, 0.3, 0.02)), mass: 0, color: Color(0, 1, 0),
            position: SIMD3(0.35, 0, 1.0), restsOnTable: false, orientation: SIMD3(0, angle, 0),
            friction: 1.0, isStatic: true)
        // Place the box just on the ramp's upper face, its axes aligned with the ramp.
        let q = Quaternion(roll: 0, pitch: angle, yaw: 0)
        let centre = SIMD3(0.35, 0, 1.0) + q.act(SIMD3(0, 0, 0.01 + 0.025 + 0.0005))
        let box = cube("box", at: centre, friction: mu, orientation: SIMD3(0, angle, 0))
        let world = try World(scene: tableScene([plane, box]))
        let id = try #require(world.bodyID(named: "box"))
        try world.step(60)  // settle onto the face
        let start = world.snapshot().bodies[id].pose.position
        try world.step(240)
        let moved = length(world.snapshot().bodies[id].pose.position - start)
        if slides {
            #expect(moved > 0.05, "mu \(mu) < tan(20 deg) should slide; moved \(moved) m")
        } else {
            #expect(moved < 0.001, "mu \(mu) > tan(20 deg) should stick; moved \(moved) m")
        }
    }

    @Test func contactsReportTheTouchingBodiesAndCarryTheWeight() throws {
        let world = try World(scene: tableScene([cube("box", mass: 0.5, at: SIMD3(0.4, 0, 0), restsOnTable: true)]))
        try world.step(240)
        let box = try #require(world.bodyID(named: "box"))
        let table = try #require(world.bodyID(named: "table"))
        #expect(world.bodiesTouching(box) == [table])
        let total = world.contacts().filter { Set([$0.bodyA, $0.bodyB]) == Set([box, table]) }.map(\.normalForce).reduce(0, +)
        #expect(abs(total - 0.5 * 9.81) < 0.05 * 0.5 * 9.81, "normal force \(total) N should carry m g")
    }

    @Test func forcesAndImpulsesMoveBodies() throws {
        let world = try World(scene: tableScene([cube("a", mass: 1, at: SIMD3(0.3, 0, 2)), cube("b", mass: 2, at: SIMD3(0.6, 0, 2))]))
        let a = try #require(world.bodyID(named: "a"))
        let b = try #require(world.bodyID(named: "b"))
        world.applyImpulse(body: a, SIMD3(1, 0, 0), at: SIMD3(0.3, 0, 2))  // 1 N s on 1 kg: 1 m/s
        world.applyForce(body: b, SIMD3(0, 0, 2 * 9.81), at: SIMD3(0.6, 0, 2))  // cancels gravity for one step
        try world.step()
        let s = world.snapshot()
        #expect(abs(s.bodies[a].linearVelocity.x - 1) < 1e-12)
        #expect(abs(s.bodies[b].linearVelocity.z) < 1e-12)
        world.setPose(body: a, Pose(position: SIMD3(0, 0, 3)))
        world.setVelocity(body: a, linear: SIMD3(0, 2, 0))
        #expect(world.snapshot().bodies[a].pose.position == SIMD3(0, 0, 3))
        #expect(world.snapshot().bodies[a].linearVelocity == SIMD3(0, 2, 0))
    }

    @Test func runawayVelocityIsReportedNotCrashed() throws {
        let world = try World(scene: tableScene([cube("a", at: SIMD3(0.3, 0, 2))]))
        let a = try #require(world.bodyID(named: "a"))
        world.setVelocity(body: a, linear: SIMD3(1e4, 0, 0))
        #expect(throws: PhysicsError.self) { try world.step() }
    }
}
