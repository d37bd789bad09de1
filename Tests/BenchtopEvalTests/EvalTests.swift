import BenchtopCore
import BenchtopEval
import BenchtopPhysics
import BenchtopScene
import Foundation
import Testing

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return "."
}()

@Suite struct PredicateTests {
    func world(_ name: String) throws -> World {
        var scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/\(name).yaml")
        scene.robots = []  // predicates only; no robot needed
        return try World(scene: scene, seed: 0)
    }

    func holds(_ p: TaskPredicate, in world: World) -> Bool {
        PredicateEvaluator(world: world).evaluate(p, world.snapshot(), .init(world.contacts()))
    }

    @Test func stackedBlockIsOnItsTargetOnlyWhenResting() throws {
        let w = try world("stack_blocks")
        let task = try #require(w.scene.task)
        try w.step(10)
        #expect(!holds(task.success, in: w))
        let blue = try #require(w.bodyID(named: "blue_block"))
        let yellow = try #require(w.bodyID(named: "yellow_block"))
        let y = w.snapshot().bodies[yellow].pose.position
        w.setPose(body: blue, Pose(position: y + SIMD3(0.005, 0, 0.0275 + 0.0225 + 0.001)))
        try w.step(240)
        #expect(holds(task.success, in: w))
        // Shifted beyond the 3 cm tolerance in xy and held up in the air: no contact, not on.
        w.setPose(body: blue, Pose(position: y + SIMD3(0.06, 0, 0.2)))
        w.setVelocity(body: blue, linear: .zero)
        try w.step(1)
        #expect(!holds(task.success, in: w))
    }

    @Test func cubeDroppedIntoTheBowlIsIn() throws {
        let w = try world("place_in_bowl")
        let success = try #require(w.scene.task?.success)
        try w.step(10)
        #expect(!holds(success, in: w))
        let cube = try #require(w.bodyID(named: "cube"))
        let bowl = try #require(w.bodyID(named: "bowl"))
        w.setPose(body: cube, Pose(position: w.snapshot().bodies[bowl].pose.position + SIMD3(0, 0, 0.06)))
        try w.step(480)
        #expect(holds(success, in: w))
    }

    @Test func liftedNearUprightAndGrasped() throws {
        let w = try world("pick_cube")
        let cube = try #require(w.bodyID(named: "cube"))
        let start = w.snapshot().bodies[cube].pose.position
        try w.step(1)
        #expect(!holds(.lifted(object: "cube", height: 0.1), in: w))
        #expect(holds(.upright(object: "cube", tolerance: 0.1), in: w))
        #expect(holds(.near(object: "cube", target: .point(SIMD2(start.x, start.y)), distance: 0.001), in: w))
        w.setPose(body: cube, Pose(position: start + SIMD3(0, 0, 0.15), orientation: Quaternion(roll: 1.0, pitch: 0, yaw: 0)))
        w.setVelocity(body: cube, linear: .zero)
        try w.step(1)
        #expect(holds(.lifted(object: "cube", height: 0.1), in: w))
        #expect(!holds(.upright(object: "cube", tolerance: 0.5), in: w))
        #expect(holds(.not(.grasped(object: "cube")), in: w))  // no gripper touches it
        #expect(holds(.any([.grasped(object: "cube"), .lifted(object: "cube", height: 0.1)]), in: w))
        #expect(!holds(.all([.grasped(object: "cube"), .lifted(object: "cube", height: 0.1)]), in: w))
    }

    @Test func progressionCountsStagesInOrder() {
        let task = TaskSpec(
            instruction: "x", success: .grasped(object: "a"),
            stages: [
                TaskStage(name: "one", predicate: .grasped(object: "a")), TaskStage(name: "two", predicate: .grasped(object: "a")),
                TaskStage(name: "three", predicate: .grasped(object: "a")),
            ])
        var p = TaskProgress(task: task)
        p.record(success: false, stages: [false, true, true], time: 0.1)  // stage two without one does not count
        #expect(p.progression == 0)
        p.record(success: false, stages: [true, false, false], time: 0.2)
        #expect(abs(p.progression - 1.0 / 3) < 1e-12)
        p.record(success: false, stages: [false, true, false], time: 0.3)  // reached once counts, even if lost later
        #expect(abs(p.progression - 2.0 / 3) < 1e-12)
        p.record(success: true, stages: [false, false, false], time: 0.4)
        #expect(p.progression == 1 && p.succeededAtAnyTime && p.firstSuccessTime == 0.4)
        p.record(success: false, stages: [false, false, false], time: 0.5)
        #expect(!p.succeededNow && p.succeededAtAnyTime)
    }
}

@Suite struct StatisticsTests {
    @Test func betaIntervalMatchesClosedForms() {
        // Beta(1, 1) is uniform; Beta(11, 1) has CDF x^11.
        let uniform = Statistics.successInterval(successes: 0, failures: 0)
        #expect(abs(uniform.lowerBound - 0.025) < 1e-9 && abs(uniform.upperBound - 0.975) < 1e-9)
        let allTen = Statistics.successInterval(successes: 10, failures: 0)
        #expect(abs(allTen.lowerBound - pow(0.025, 1.0 / 11)) < 1e-9)
        #expect(abs(allTen.upperBound - pow(0.975, 1.0 / 11)) < 1e-9)
        // Symmetry: 3 of 10 mirrors 7 of 10.
        let a = Statistics.successInterval(successes: 3, failures: 7)
        let b = Statistics.successInterval(successes: 7, failures: 3)
        #expect(abs(a.lowerBound - (1 - b.upperBound)) < 1e-9)
    }

    @Test func percentilesInterpolateLikeNumpy() {
        let v = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        #expect(Statistics.percentile(v, 50) == 5.5)
        #expect(abs(Statistics.percentile(v, 90)! - 9.1) < 1e-12)
        #expect(Statistics.percentile(v, 99)! > 9.9)
        #expect(Statistics.percentile([], 50) == nil)
    }

    @Test func jerkOfACubicIsSixAndPathLengthsAdd() {
        var m = TrajectoryMetrics(sampleInterval: 0.1)
        for i in 0..<20 {
            let t = Double(i) * 0.1
            m.record(endEffector: SIMD3(t * t * t, 0, 0), joints: [t, 0])
        }
        #expect(m.cartesianJerks.allSatisfy { abs($0 - 6) < 1e-6 })
        #expect(abs(m.rmsJerk - 6) < 1e-6)
        #expect(abs(m.cartesianPathLength - pow(1.9, 3)) < 1e-12)
        #expect(abs(m.jointPathLength - 1.9) < 1e-12)
    }

    @Test func bothArmsOfABimanualRobotCountInPathsAndJerk() {
        var m = TrajectoryMetrics(sampleInterval: 0.1)
        for i in 0..<20 {
            let t = Double(i) * 0.1
            // The first arm rests; the second moves along a cubic (a bimanual task done by the right arm).
            m.record(endEffectors: [SIMD3(0.4, 0.2, 1), SIMD3(0.4, -0.2 + t * t * t, 1)], joints: [0, t])
        }
        #expect(abs(m.cartesianPathLength - pow(1.9, 3)) < 1e-12)
        #expect(m.cartesianJerks.count == 2 * 17)
        #expect(abs(m.meanJerk - 3) < 1e-6)  // half the samples (the resting arm) have no jerk
    }
}
