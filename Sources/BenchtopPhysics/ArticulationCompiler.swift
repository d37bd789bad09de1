import BenchtopCore
import Foundation

/// An articulation as the world built it.
public struct CompiledArticulation: Sendable {
    public let name: String
    public let spec: ArticulationSpec
    let handle: Int32
    /// Body id of each spec link.
    public let linkBodies: [Int]
    let nativeOfSpecLink: [Int]
    /// Each spec link's centre-of-mass principal frame in its link frame.
    let comFrames: [Pose]
    /// Native link index of each movable joint.
    let dofNativeLinks: [Int]
    /// The movable joints, in order: the layout of joint positions, velocities and targets.
    public let joints: [JointSpec]

    var dofNativeLinkCount: Int { spec.joints.count }
}

/// Turns a URDF-style tree (link frames = joint frames, inertia about the COM in any axes) into Bullet's
/// Featherstone form, whose link frames are principal centre-of-mass frames (the same mapping PyBullet's
/// URDF importer uses).
struct ArticulationCompiler {
    let spec: ArticulationSpec

    struct Body {
        var mass: Double
        var principalInertia: SIMD3<Double>
        /// Principal COM frame in the link frame.
        var comFrame: Pose
    }

    struct NativeLink {
        var specLink: Int
        var parentNative: Int
        var joint: JointSpec
        var mass: Double
        var principalInertia: SIMD3<Double>
        var comFrame: Pose
        var rotParentToThis: Quaternion
        var axisInCom: SIMD3<Double>
        var parentComToPivot: SIMD3<Double>
        var pivotToThisCom: SIMD3<Double>
    }

    struct Result {
        var base: Body
        var nativeLinks: [NativeLink]
        var comFrames: [Pose]
    }

    func compile() throws -> Result {
        guard !spec.links.isEmpty else { throw PhysicsError.invalidArticulation(name: spec.name, detail: "no links") }
        let bodies = try spec.links.map(body)
        var nativeOfSpec = [Int](repeating: -2, count: spec.links.count)
        nativeOfSpec[0] = -1
        var natives: [NativeLink] = []
        for (j, joint) in spec.joints.enumerated() {
            guard spec.links.indices.contains(joint.parent), spec.links.indices.contains(joint.child), joint.child != 0 else {
                throw PhysicsError.invalidArticulation(name: spec.name, detail: "joint '\(joint.name)' links out of range")
            }
            guard nativeOfSpec[joint.parent] != -2 else {
                throw PhysicsError.invalidArticulation(name: spec.name, detail: "joint '\(joint.name)' comes before its parent link's joint")
            }
            guard nativeOfSpec[joint.child] == -2 else {
                throw PhysicsError.invalidArticulation(name: spec.name, detail: "link '\(spec.links[joint.child].name)' has two parent joints")
            }
            nativeOfSpec[joint.child] = j
            let parent = bodies[joint.parent]
            let child = bodies[joint.child]
            // offsetInA: joint frame in the parent's COM frame; offsetInB: child link frame in its COM frame.
            let offsetInA = parent.comFrame.inverse * joint.origin
            let offsetInB = child.comFrame.inverse
            let axisLength = length(joint.axis)
            guard joint.kind == .fixed || axisLength > 1e-9 else {
                throw PhysicsError.invalidArticulation(name: spec.name, detail: "joint '\(joint.name)' has a zero axis")
            }
            natives.append(
                NativeLink(
                    specLink: joint.child, parentNative: nativeOfSpec[joint.parent], joint: joint,
                    mass: child.mass, principalInertia: child.principalInertia, comFrame: child.comFrame,
                    rotParentToThis: (offsetInB.orientation * offsetInA.orientation.conjugate).normalized,
                    axisInCom: joint.kind == .fixed ? SIMD3(0, 0, 1) : offsetInB.orientation.act(joint.axis / axisLength),
                    parentComToPivot: offsetInA.position, pivotToThisCom: -offsetInB.position))
        }
        if let orphan = nativeOfSpec.firstIndex(of: -2) {
            throw PhysicsError.invalidArticulation(name: spec.name, detail: "link '\(spec.links[orphan].name)' is not connected to the root")
        }
        return Result(base: bodies[0], nativeLinks: natives, comFrames: bodies.map(\.comFrame))
    }

    private func body(_ link: LinkSpec) throws -> Body {
        let i = link.inertial
        guard i.mass >= 0 else { throw PhysicsError.invalidArticulation(name: spec.name, detail: "link '\(link.name)' has negative mass") }
        let (moments, rotation) = principalAxes(i)
        // Bullet needs positive moments for movable links; floor tiny ones (massless helper frames).
        let floor = max(1e-9, i.mass * 1e-8)
        return Body(
            mass: i.mass, principalInertia: SIMD3(max(moments.x, floor), max(moments.y, floor), max(moments.z, floor)),
            comFrame: Pose(position: i.frame.position, orientation: (i.frame.orientation * rotation).normalized))
    }
}

/// Eigen-decomposition of a symmetric inertia tensor by cyclic Jacobi rotations: principal moments and the
/// rotation whose columns are the principal axes (a proper rotation).
func principalAxes(_ i: Inertial) -> (SIMD3<Double>, Quaternion) {
    var a = [[i.ixx, i.ixy, i.ixz], [i.ixy, i.iyy, i.iyz], [i.ixz, i.iyz, i.izz]]
    var v = [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]
    for _ in 0..<50 {
        let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2]
        if off < 1e-30 { break }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p][q]) > 1e-300 {
            let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot()
            let s = t * c
            for k in 0..<3 {
                let akp = a[k][p]
                let akq = a[k][q]
                a[k][p] = c * akp - s * akq
                a[k][q] = s * akp + c * akq
            }
            for k in 0..<3 {
                let apk = a[p][k]
                let aqk = a[q][k]
                a[p][k] = c * apk - s * aqk
                a[q][k] = s * apk + c * aqk
            }
            for k in 0..<3 {
                let vkp = v[k][p]
                let vkq = v[k][q]
                v[k][p] = c * vkp - s * vkq
                v[k][q] = s * vkp + c * vkq
            }
        }
    }
    // Make the axes right-handed.
    let c0 = SIMD3(v[0][0], v[1][0], v[2][0])
    let c1 = SIMD3(v[0][1], v[1][1], v[2][1])
    var c2 = SIMD3(v[0][2], v[1][2], v[2][2])
    if dot(cross(c0, c1), c2) < 0 { c2 = -c2 }
    return (SIMD3(a[0][0], a[1][1], a[2][2]), Quaternion(rotationColumns: c0, c1, c2))
}
