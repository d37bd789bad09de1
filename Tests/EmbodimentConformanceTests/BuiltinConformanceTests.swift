import BenchtopCore
import EmbodimentConformance
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import SOEmbodiment
import Testing
import YAMEmbodiment

/// Every registered built-in embodiment, as the benchtop executable registers them.
let builtins: [EmbodimentDescriptor] = {
    let registry = EmbodimentRegistry()
    try! registry.register(FrankaPlugin.self)
    try! registry.register(YAMPlugin.self)
    try! registry.register(SOPlugin.self)
    return registry.all
}()

/// The thresholds `benchtop embodiments check` uses.
let limits = ConformanceSuite.Thresholds()

@Suite struct BuiltinConformanceTests {
    @Test(arguments: builtins.map(\.name))
    func homePoseHoldsUnderGravity(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let drift = try Conformance.homeDrift(d, seconds: 10)
        print("[\(name)] home drift \(drift * 1000) mm")
        #expect(drift < limits.homeDrift)
    }

    @Test(arguments: builtins.map(\.name))
    func jointLimitsAreNeverExceeded(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let r = try Conformance.jointLimitExcursion(d)
        print("[\(name)] worst limit excursion \(r.excursion) at \(r.joint)")
        // Measured worst: 9.4e-5 rad (so100, whose elbow is whipped into its limit when the shoulder stops at its own),
        // 9e-6 (so101), under 2e-6 rad for the others: speculative limit rows plus extra limit sweeps in the shim's solver.
        #expect(r.excursion < limits.limitExcursion, "joint \(r.joint) went \(r.excursion) beyond its limit")
    }

    @Test(arguments: builtins.map(\.name))
    func ikReachesRandomTargets(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let errors = try Conformance.ikErrors(d, count: 20)
        #expect(errors.count == 20 * d.arms.count)
        // Targets are FK of random configurations, so reachable with orientation also by the 5-joint SO arms.
        for e in errors {
            #expect(e.position < limits.ikPosition)
            #expect(e.angle < limits.ikAngle)
        }
    }

    @Test(arguments: builtins.map(\.name))
    func scriptedGraspLiftsAndHoldsACube(name: String) throws {
        let d = builtins.first { $0.name == name }!
        // Cube sized for the gripper; the SO arms reach less far than 1.15 x their home TCP distance.
        let (size, mass, reach): (Double, Double, Double?) = d.name.hasPrefix("so10") ? (0.03, 0.03, 0.2) : (0.05, 0.1, nil)
        for arm in d.arms.indices {
            let r = try Conformance.grasp(d, arm: arm, size: size, mass: mass, reach: reach)
            print("[\(name)] arm \(arm): \(r)")
            #expect(r.lift > limits.lift)
            // Slip = cube displacement relative to a finger over the 3 s hold; measured at most 0.003 mm (every
            // embodiment and arm) with friction anchors on the robot links (without them Bullet's friction crept ~1 mm/s).
            #expect(r.slip < limits.slip)
            #expect(r.fingersTouching)
        }
    }

    @Test(arguments: builtins.map(\.name))
    func schemaIsWellFormed(name: String) {
        let d = builtins.first { $0.name == name }!
        #expect(Conformance.schemaIssues(d).isEmpty)
    }

    /// The checks only the suite runs: FK against the URDF, gripper stroke, cameras.
    @Test(arguments: builtins.map(\.name))
    func fkStrokeAndCamerasPass(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let fk = try ConformanceSuite.fkErrors(d)
        #expect(fk.position < limits.fkPosition && fk.angle < limits.fkAngle, "\(fk)")
        for s in try ConformanceSuite.strokes(d) { #expect(abs(s.simulated - s.expected) < limits.stroke, "\(s)") }
        #expect(try ConformanceSuite.cameraViews(d).contains { $0.seesTCP })
    }
}
