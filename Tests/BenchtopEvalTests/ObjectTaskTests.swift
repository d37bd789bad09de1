import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPhysics
import BenchtopPolicy
import BenchtopScene
import Foundation
import Testing

/// Tasks on articulated and mesh objects with the built-in policy, and tasks it declines at once.
@Suite(.serialized) struct ObjectTaskTests {
    func environment(_ scene: Scene) throws -> TabletopEnvironment {
        let env = try TabletopEnvironment(scene: scene, registry: ReferencePolicyTests.registry, controlRate: 15)
        env.rendersImages = false
        return env
    }

    func run(_ scene: Scene, seeds: [UInt64]) throws -> [EpisodeResult] {
        let env = try environment(scene)
        let runner = EpisodeRunner(
            environment: env, policy: ReferencePolicy(access: env),
            settings: RunnerSettings(horizon: Int(env.task.timeLimit * env.controlRate), actionSteps: 8))
        return seeds.map { runner.run(seed: $0, task: env.task.stages.map(\.name)) }
    }

    /// A small seeded sample (the 50-episode figures are in the README, from `benchtop eval`).
    @Test(arguments: ["open_drawer", "close_drawer", "pick_mesh"])
    func theBuiltinPolicySolvesTheObjectTasks(scene name: String) throws {
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/\(name).yaml")
        for r in try run(scene, seeds: [21, 22]) {
            #expect(r.outcome == .success, "\(name) seed \(r.seed): \(r.outcome), progression \(r.progression)")
        }
    }

    /// With the tray where pick_mesh first had it (25 cm out), seeds 7 and 26 put the block beside the tray's handle:
    /// the finger square to the block's faces came down on the handle and tipped the block (progression 0). The
    /// planner now turns the grasp until both fingers clear the neighbours (GraspYaw).
    @Test func aGraspTurnsAwayFromANeighbourUnderItsFinger() throws {
        var scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_mesh.yaml")
        let tray = try #require(scene.objects.firstIndex { $0.name == "tray" })
        scene.objects[tray].position.y = 0.25
        for r in try run(scene, seeds: [7, 26]) {
            #expect(r.outcome == .success, "seed \(r.seed): \(r.outcome), progression \(r.progression)")
        }
    }

    @Test func theDrawerPredicateReadsTheJoint() throws {
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/close_drawer.yaml")
        let world = try World(scene: scene)
        let evaluator = PredicateEvaluator(world: world)
        let open = TaskPredicate.joint(object: "cabinet", joint: "drawer_slide", measure: .openFraction, range: 0.8...Double.infinity)
        let contacts = PredicateEvaluator.ContactGraph(world.contacts())
        #expect(evaluator.evaluate(open, world.snapshot(), contacts), "close_drawer starts fully open")
        #expect(!evaluator.evaluate(scene.task!.success, world.snapshot(), contacts))
        let (a, _) = try #require(world.objectJoint(object: "cabinet", joint: "drawer_slide"))
        world.setJointPositions(articulation: a, [0.01])
        #expect(evaluator.evaluate(scene.task!.success, world.snapshot(), contacts), "1 cm of 16 cm is closed (fraction <= 0.1)")
        let position = TaskPredicate.joint(object: "cabinet", joint: "drawer_slide", measure: .position, range: 0.005...0.02)
        #expect(evaluator.evaluate(position, world.snapshot(), contacts))
    }

    /// A scene text whose asset paths resolve against scenes/.
    func scene(_ yaml: String) throws -> Scene {
        try SceneLoader.parse(yaml, file: "\(repositoryRoot)/scenes/inline.yaml")
    }

    static let robotAndCamera = """
        cameras:
          - {name: primary, position: [1.3, 0.0, 1.45], look_at: [0.4, 0.0, 0.9], fov: 50}
        robots:
          - {name: robot, embodiment: franka, position: [0.0, 0.0, 0.75]}
        """

    @Test func aDoorIsDeclinedAtOnceWithItsReason() throws {
        let s = try scene(
            """
            objects:
              - {name: cupboard, asset: urdf, file: assets/cabinet_door.urdf, position: [0.7, 0.0]}
            \(Self.robotAndCamera)
            task:
              instruction: open the door
              success: {open: {object: cupboard, joint: door_hinge, fraction: 0.5}}
            """)
        let r = try #require(try run(s, seeds: [1]).first)
        guard case .unsupportedTask(let reason) = r.outcome else {
            Issue.record("expected unsupported_task, got \(r.outcome)")
            return
        }
        #expect(reason.contains("door_hinge") && reason.contains("turns"), "\(reason)")
        #expect(r.outcome.label == "unsupported_task")
        #expect(r.ticks == 0)
    }

    @Test func compoundTasksArePlannedInFullOrRefused() throws {
        let shared = try scene(
            """
            objects:
              - {name: cube, asset: cube, size: 0.05, mass: 0.1, position: [0.5, 0.0]}
            \(Self.robotAndCamera)
            task:
              instruction: lift the cube and keep it upright
              success: {all: [{lifted: {object: cube}}, {upright: {object: cube}}]}
            """)
        let refused = try #require(try run(shared, seeds: [1]).first)
        #expect(refused.outcome.label == "unsupported_task", "\(refused.outcome)")

        // Two independent picks are one plan: both parts, one after the other.
        let s = try scene(
            """
            objects:
              - {name: a, asset: cube, size: 0.05, mass: 0.1, position: [0.45, -0.12]}
              - {name: b, asset: cube, size: 0.05, mass: 0.1, position: [0.5, 0.12]}
              - {name: bowl, asset: bowl, radius: 0.09, height: 0.06, static: true, position: [0.55, 0.0]}
            \(Self.robotAndCamera)
            task:
              instruction: put both cubes in the bowl
              success: {all: [{in: {object: a, container: bowl}}, {in: {object: b, container: bowl}}]}
            """)
        let env = try environment(s)
        let policy = ReferencePolicy(access: env)
        _ = try env.reset(seed: 1)
        try policy.reset(instruction: env.instruction, seed: 1)
        #expect(policy.plan.filter { $0.label == "close" }.count == 2, "both picks are planned: \(policy.plan.map(\.label))")
    }
}
