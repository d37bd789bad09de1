import BenchtopCore
import EmbodimentConformance
import EmbodimentKit
import FrankaEmbodiment
import Foundation
import Testing

/// Every registered built-in embodiment, as the benchtop executable registers them.
let builtins: [EmbodimentDescriptor] = {
    let registry = EmbodimentRegistry()
    try! registry.register(FrankaPlugin.self)
    return registry.all
}()

@Suite struct BuiltinConformanceTests {
    @Test(arguments: builtins.map(\.name))
    func homePoseHoldsUnderGravity(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let drift = try Conformance.homeDrift(d, seconds: 10)
        print("[\(name)] home drift \(drift * 1000) mm")
        #expect(drift < 1e-3)
    }

    @Test(arguments: builtins.map(\.name))
    func jointLimitsAreNeverExceeded(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let r = try Conformance.jointLimitExcursion(d)
        print("[\(name)] worst limit excursion \(r.excursion) at \(r.joint)")
        #expect(r.excursion < 1.0 * .pi / 180, "joint \(r.joint) went \(r.excursion) beyond its limit")
    }

    @Test(arguments: builtins.map(\.name))
    func ikReachesRandomTargets(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let errors = try Conformance.ikErrors(d, count: 20)
        #expect(errors.count == 20 * d.arms.count)
        for e in errors {
            #expect(e.position < 2e-3)
            #expect(e.angle < 1.0 * .pi / 180)
        }
    }

    @Test(arguments: builtins.map(\.name))
    func scriptedGraspLiftsAndHoldsACube(name: String) throws {
        let d = builtins.first { $0.name == name }!
        let (size, mass) = d.name.hasPrefix("so10") ? (0.03, 0.03) : (0.05, 0.1)
        for arm in d.arms.indices {
            let r = try Conformance.grasp(d, arm: arm, size: size, mass: mass)
            print("[\(name)] arm \(arm): \(r)")
            #expect(r.lift > 0.1)
            #expect(r.slip < 5e-3)  // measured: 2.1 mm (franka), 3.5 mm (franka_droid) over 3 s
            #expect(r.fingersTouching)
        }
    }

    @Test(arguments: builtins.map(\.name))
    func schemaIsWellFormed(name: String) {
        let d = builtins.first { $0.name == name }!
        #expect(Conformance.schemaIssues(d).isEmpty)
    }
}
