import BenchtopCore
import BenchtopNumerics

/// Forward kinematics of a whole articulation: link frames from movable joint positions.
public struct KinematicTree: Sendable {
    public let spec: ArticulationSpec
    /// For each joint of `spec.joints`, its index among the movable joints (nil when fixed).
    let dofOfJoint: [Int?]

    public init(_ spec: ArticulationSpec) {
        self.spec = spec
        var k = 0
        dofOfJoint = spec.joints.map { j in
            j.kind == .fixed
                ? nil
                : {
                    defer { k += 1 }
                    return k
                }()
        }
    }

    /// The number of movable joints.
    public var dofCount: Int { dofOfJoint.compactMap { $0 }.count }

    /// Link frames (spec order) relative to the articulation base for movable joint positions `q`.
    public func linkPoses(_ q: [Double], base: Pose = .identity) -> [Pose] {
        var poses = [Pose](repeating: base, count: spec.links.count)
        for (j, joint) in spec.joints.enumerated() {
            var local = joint.origin
            if let k = dofOfJoint[j] {
                switch joint.kind {
                case .revolute: local = local * Pose(orientation: Quaternion(axis: joint.axis, angle: q[k]))
                case .prismatic: local = local * Pose(position: joint.axis * q[k])
                case .fixed: break
                }
            }
            poses[joint.child] = poses[joint.parent] * local
        }
        return poses
    }
}

/// Kinematics of one arm: TCP pose, geometric Jacobian and damped-least-squares inverse kinematics.
///
/// Joint vectors are full movable-joint vectors of the articulation; only the arm's joints move.
public struct ArmKinematics: Sendable {
    public let tree: KinematicTree
    /// Movable-joint indices of the arm's joints, base to tool.
    public let dofs: [Int]
    /// Spec joint index of each arm joint.
    let jointIndices: [Int]
    public let tcpLink: Int
    public let tcpOffset: Pose
    public let home: [Double]

    public init(descriptor d: EmbodimentDescriptor, arm: Int) throws {
        let a = d.arms[arm]
        tree = KinematicTree(d.articulation)
        guard let link = d.articulation.links.firstIndex(where: { $0.name == a.tcpLink }) else {
            throw EmbodimentError(embodiment: d.name, field: "arms[\(arm)].tcp_link", "no link named '\(a.tcpLink)'")
        }
        tcpLink = link
        tcpOffset = a.tcpOffset
        var ji: [Int] = []
        var dofs: [Int] = []
        for (k, name) in a.joints.enumerated() {
            guard let j = d.articulation.joints.firstIndex(where: { $0.name == name }), let dof = tree.dofOfJoint[j] else {
                throw EmbodimentError(embodiment: d.name, field: "arms[\(arm)].joints[\(k)]", "no movable joint named '\(name)'")
            }
            ji.append(j)
            dofs.append(dof)
        }
        // Every arm joint must lie on the path from the root to the TCP link.
        var onPath = Set<Int>()
        var l = link
        while let j = d.articulation.joints.firstIndex(where: { $0.child == l }) {
            onPath.insert(j)
            l = d.articulation.joints[j].parent
        }
        for (k, j) in ji.enumerated() where !onPath.contains(j) {
            throw EmbodimentError(
                embodiment: d.name, field: "arms[\(arm)].joints[\(k)]", "joint '\(a.joints[k])' does not move the TCP link '\(a.tcpLink)'")
        }
        jointIndices = ji
        self.dofs = dofs
        home = d.homePositions
    }

    /// TCP pose in the base frame.
    public func tcpPose(_ q: [Double]) -> Pose { tree.linkPoses(q)[tcpLink] * tcpOffset }

    /// The 6 x n geometric Jacobian (rows: linear x, y, z, angular x, y, z; columns: arm joints), row-major,
    /// in the base frame, for the TCP point.
    public func jacobian(_ q: [Double]) -> [Double] {
        let poses = tree.linkPoses(q)
        return jacobian(poses: poses)
    }

    func jacobian(poses: [Pose]) -> [Double] {
        let n = dofs.count
        let p = (poses[tcpLink] * tcpOffset).position
        var jac = [Double](repeating: 0, count: 6 * n)
        for (c, j) in jointIndices.enumerated() {
            let joint = tree.spec.joints[j]
            let frame = poses[joint.child]  // the joint frame is the child link frame
            let axis = frame.orientation.act(joint.axis)
            let linear: SIMD3<Double>
            let angular: SIMD3<Double>
            if joint.kind == .prismatic {
                linear = axis
                angular = .zero
            } else {
                linear = cross(axis, p - frame.position)
                angular = axis
            }
            for r in 0..<3 {
                jac[r * n + c] = linear[r]
                jac[(r + 3) * n + c] = angular[r]
            }
        }
        return jac
    }

    /// Lower and upper limits of the arm joints (infinite where the joint has none).
    public var limits: [(Double, Double)] {
        jointIndices.map { j in
            let s = tree.spec.joints[j]
            return s.lower <= s.upper ? (s.lower, s.upper) : (-Double.infinity, Double.infinity)
        }
    }

    /// Options of the damped-least-squares solver.
    public struct IKOptions: Sendable {
        public var maxIterations = 500
        public var positionTolerance = 1e-4
        public var orientationTolerance = 1e-3
        /// Damping lambda of (J J^T + lambda^2 I).
        public var damping = 0.02
        /// Gain of the null-space pull towards the home pose.
        public var nullSpaceGain = 0.1
        /// Largest task-space step per iteration (m, rad).
        public var maxStep: (Double, Double) = (0.05, 0.2)
        /// Weight of orientation error against position error; 0 solves position only.
        public var orientationWeight = 1.0
        /// Restarts from seeded random configurations when a solve does not converge (0 for tracking, where
        /// a jump to another branch would make the arm flail).
        public var restarts = 0
        public var seed: UInt64 = 1
        public init() {}
    }

    /// Result of an IK solve.
    public struct IKResult: Sendable {
        public var positions: [Double]
        public var positionError: Double
        public var orientationError: Double
        public var converged: Bool
        public var iterations: Int
    }

    /// Solves for joint positions placing the TCP at `target` (base frame), starting from `seed`
    /// (a full movable-joint vector; non-arm joints are kept). Joint limits are respected by clamping.
    public func solve(target: Pose, seed: [Double], options: IKOptions = IKOptions()) -> IKResult {
        var best = solveOnce(target: target, seed: seed, options: options)
        if best.converged || options.restarts == 0 { return best }
        var rng = SeededRandom(seed: options.seed).fork("ik")
        let lim = limits
        for _ in 0..<options.restarts {
            var q = seed
            for (c, d) in dofs.enumerated() {
                let (lo, hi) = lim[c]
                q[d] = lo.isFinite && hi.isFinite ? rng.uniform(lo, hi) : rng.uniform(-Double.pi, Double.pi)
            }
            let r = solveOnce(target: target, seed: q, options: options)
            if r.converged { return r }
            if r.positionError + 0.1 * r.orientationError < best.positionError + 0.1 * best.orientationError { best = r }
        }
        return best
    }

    func solveOnce(target: Pose, seed: [Double], options o: IKOptions) -> IKResult {
        let n = dofs.count
        var q = seed
        let lim = limits
        for (c, d) in dofs.enumerated() { q[d] = min(max(q[d], lim[c].0), lim[c].1) }
        var pe = Double.infinity
        var oe = Double.infinity
        var it = 0
        while it < o.maxIterations {
            let poses = tree.linkPoses(q)
            let tcp = poses[tcpLink] * tcpOffset
            var dp = target.position - tcp.position
            var dr = (target.orientation * tcp.orientation.conjugate).rotationVector
            pe = length(dp)
            oe = length(dr)
            if pe < o.positionTolerance && (o.orientationWeight == 0 || oe < o.orientationTolerance) { break }
            it += 1
            if pe > o.maxStep.0 { dp *= o.maxStep.0 / pe }
            if oe > o.maxStep.1 { dr *= o.maxStep.1 / oe }
            dr *= o.orientationWeight
            var jac = jacobian(poses: poses)
            if o.orientationWeight != 1 { for i in 3 * n..<6 * n { jac[i] *= o.orientationWeight } }
            let e = [dp.x, dp.y, dp.z, dr.x, dr.y, dr.z]
            // A = J J^T + lambda^2 I (6 x 6, SPD); solve A [x | Y] = [e | J] for dq = J^T x and J+ J = J^T Y.
            var a = [Double](repeating: 0, count: 36)
            jac.withUnsafeBufferPointer { jp in
                BLAS.dgemm(
                    transposeB: true, m: 6, n: 6, k: n, a: jp.baseAddress!, lda: n, b: jp.baseAddress!, ldb: n,
                    c: &a, ldc: 6)
            }
            for i in 0..<6 { a[i * 7] += o.damping * o.damping }
            var rhs = [Double](repeating: 0, count: 6 * (n + 1))
            for r in 0..<6 {
                rhs[r * (n + 1)] = e[r]
                for c in 0..<n { rhs[r * (n + 1) + 1 + c] = jac[r * n + c] }
            }
            guard BLAS.solvePositiveDefinite(&a, &rhs, n: 6, nrhs: n + 1) else { break }
            // dq = J^T x + (I - J^T Y) * k * (home - q)
            var pull = [Double](repeating: 0, count: n)
            // The damped projector leaks part of the pull into the task near singularities: fade the pull out
            // as the error vanishes so that it cannot hold the solution away from the target.
            let gain = o.nullSpaceGain * min(1, (pe + 0.1 * oe) / 0.01)
            for (c, d) in dofs.enumerated() { pull[c] = gain * (home[d] - q[d]) }
            for c in 0..<n {
                var v = 0.0
                for r in 0..<6 { v += jac[r * n + c] * rhs[r * (n + 1)] }
                var proj = 0.0
                for k in 0..<n {
                    var jy = 0.0
                    for r in 0..<6 { jy += jac[r * n + c] * rhs[r * (n + 1) + 1 + k] }
                    proj += ((c == k ? 1 : 0) - jy) * pull[k]
                }
                let d = dofs[c]
                q[d] = min(max(q[d] + v + proj, lim[c].0), lim[c].1)
            }
        }
        let final = tcpPose(q)
        pe = length(target.position - final.position)
        oe = length((target.orientation * final.orientation.conjugate).rotationVector)
        let converged = pe < o.positionTolerance && (o.orientationWeight == 0 || oe < o.orientationTolerance)
        return IKResult(positions: q, positionError: pe, orientationError: oe, converged: converged, iterations: it)
    }
}
