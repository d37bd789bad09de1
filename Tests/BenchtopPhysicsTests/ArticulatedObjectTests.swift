import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Foundation
import Testing

/// URDF objects with joints and mesh objects in a world.
@Suite struct ArticulatedObjectTests {
    /// A table with the shipped drawer cabinet, its joint dynamics replaced by `dynamics` when given.
    func drawerWorld(dynamics: String? = nil, initial: Double = 0) throws -> World {
        var file = "\(repositoryRoot)/scenes/assets/cabinet_drawer.urdf"
        var dir = "\(repositoryRoot)/scenes"
        if let dynamics {
            dir = NSTemporaryDirectory() + "benchtop-drawer-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir + "/assets", withIntermediateDirectories: true)
            let text = try String(contentsOfFile: file, encoding: .utf8)
                .replacingOccurrences(of: #"<dynamics damping="1.0" friction="0.2"/>"#, with: dynamics)
            file = dir + "/assets/cabinet_drawer.urdf"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        let scene = try SceneLoader.parse(
            """
            objects:
              - {name: cabinet, asset: urdf, file: assets/cabinet_drawer.urdf, joints: {drawer_slide: \(initial)}, position: [0.7, 0]}
            """, file: dir + "/inline.yaml")
        return try World(scene: scene)
    }

    func drawer(_ world: World) throws -> (articulation: Int, body: Int) {
        let (a, _) = try #require(world.objectJoint(object: "cabinet", joint: "drawer_slide"))
        return (a, try #require(world.bodyID(named: "cabinet/drawer")))
    }

    /// Pulls the drawer towards -x with `force` newtons for `seconds`; returns the joint position.
    func pull(_ world: World, force: Double, seconds: Double) throws -> Double {
        let (a, body) = try drawer(world)
        for _ in 0..<Int(seconds * 240) {
            let at = world.snapshot().bodies[body].pose.position
            world.applyForce(body: body, SIMD3(-force, 0, 0), at: at)
            try world.step()
        }
        return world.jointState(articulation: a).jointPositions[0]
    }

    @Test func theDrawerSlidesOutAndStopsAtItsLimit() throws {
        let world = try drawerWorld()
        #expect(world.bodyID(named: "cabinet") != nil, "the root link answers to the object's name")
        #expect(world.bodies[try #require(world.bodyID(named: "cabinet/drawer"))].kind == .object)
        let q = try pull(world, force: 5, seconds: 2)
        #expect(abs(q - 0.16) < 0.003, "pulled hard, the drawer stops at its 16 cm limit (q = \(q))")
        let carcass = try #require(world.bodyID(named: "cabinet"))
        #expect(length(world.snapshot().bodies[carcass].pose.position - world.initialPoses[carcass].position) < 1e-9, "fixed base")
    }

    @Test func jointFrictionHoldsBelowItsForceAndDampingSlowsTheSlide() throws {
        let world = try drawerWorld(dynamics: #"<dynamics damping="0" friction="1.0"/>"#)
        #expect(try pull(world, force: 0.5, seconds: 0.5) < 1e-4, "0.5 N does not beat 1 N of joint friction")
        let free = try pull(try drawerWorld(dynamics: #"<dynamics damping="0" friction="0"/>"#), force: 1, seconds: 0.3)
        let damped = try pull(try drawerWorld(dynamics: #"<dynamics damping="10" friction="0"/>"#), force: 1, seconds: 0.3)
        #expect(free > 0.02, "free: \(free)")
        #expect(damped < free * 0.6, "10 N s/m of damping slows it: \(damped) vs \(free)")
    }

    @Test func anOpenDrawerStaysOpenAndTheWorldResetsIt() throws {
        let world = try drawerWorld(initial: 0.12)
        let (a, _) = try drawer(world)
        try world.step(480)
        #expect(abs(world.jointState(articulation: a).jointPositions[0] - 0.12) < 1e-3)
        _ = try pull(world, force: 5, seconds: 0.5)
        try world.reset()
        #expect(world.jointState(articulation: a).jointPositions[0] == 0.12)
    }

    @Test func aMeshObjectRestsOnTheTableOnItsHull() throws {
        let scene = try SceneLoader.parse(
            """
            objects:
              - {name: nut, asset: mesh, file: assets/toy_nut.obj, density: 600, position: [0.5, 0]}
              - {name: lying, asset: mesh, file: assets/toy_nut.stl, density: 600, orientation: [1.5708, 0, 0], position: [0.5, 0.2]}
            """, file: "\(repositoryRoot)/scenes/inline.yaml")
        let world = try World(scene: scene)
        try world.step(120)  // settles onto the hull's 1 mm collision margin
        let start = world.snapshot()
        try world.step(2400)
        let end = world.snapshot()
        for name in ["nut", "lying"] {
            let id = try #require(world.bodyID(named: name))
            #expect(length(end.bodies[id].pose.position - start.bodies[id].pose.position) < 0.001, "\(name) stays put")
        }
        let nut = try #require(world.bodyID(named: "nut"))
        #expect(abs(end.bodies[nut].pose.position.z - (0.75 + 0.02)) < 0.002, "resting on its 4 cm height")
    }
}
