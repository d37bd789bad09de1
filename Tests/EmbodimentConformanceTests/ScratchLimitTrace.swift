import BenchtopCore
import EmbodimentConformance
import EmbodimentKit
import Foundation
import Testing

@Test func scratchLimitTrace() throws {
    let d = builtins.first { $0.name == "so100" }!
    let (world, c) = try Conformance.makeWorld(d, base: Pose(position: SIMD3(0, 2.5, 1.8)))
    let joints = d.joints
    for side in [1.0, -1.0] {
        let q = joints.map { j in j.lower <= j.upper ? (side > 0 ? j.upper + 0.5 : j.lower - 0.5) : 0 }
        c.setJointTargets(q)
        for s in 0..<360 {
            try world.step()
            let st = world.jointState(articulation: c.articulation)
            let line = joints.enumerated().map { k, j in String(format: "%@ %.4f(%.4f..%.4f) v%.2f", j.name, st.jointPositions[k], j.lower, j.upper, st.jointVelocities[k]) }
            let e = joints.enumerated().map { k, j in max(st.jointPositions[k] - j.upper, j.lower - st.jointPositions[k]) }.max()!
            if e > -0.02 && s < 250 { print("side \(side) step \(s) exc \(String(format: "%.4f", e)) " + line.joined(separator: " | ")) }
        }
    }
}
