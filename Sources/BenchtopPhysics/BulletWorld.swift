import BenchtopCore
import BenchtopScene
internal import CBulletShim

/// The one Swift file that calls the Bullet shim: a thin owner of the native world handle.
final class BulletWorld {
    private let handle: OpaquePointer
    let timeStep: Double

    static var isDoublePrecision: Bool { bs_is_double_precision() == 1 }

    init(gravity: SIMD3<Double>, timeStep: Double, solverIterations: Int, contactERP: Double, splitImpulse: Bool) {
        var config = bs_world_config()
        config.gravity = (gravity.x, gravity.y, gravity.z)
        config.time_step = timeStep
        config.solver_iterations = Int32(solverIterations)
        config.contact_erp = contactERP
        config.split_impulse = splitImpulse ? 1 : 0
        config.split_impulse_threshold = -0.04
        config.friction_directions = 2
        guard let h = bs_world_create(&config) else { preconditionFailure("bs_world_create rejected a validated config") }
        handle = h
        self.timeStep = timeStep
    }

    deinit { bs_world_destroy(handle) }

    /// Steps; false when a state became non-finite.
    func step(_ count: Int) -> Bool { bs_world_step(handle, Int32(count)) == 0 }

    var stepCount: Int { Int(bs_world_step_count(handle)) }

    /// The fastest rigid body's speed and its native id.
    func maxRigidSpeed() -> (speed: Double, body: Int32) {
        var body: Int32 = -1
        let speed = bs_world_max_rigid_speed(handle, &body)
        return (speed, body)
    }

    // MARK: shapes

    func makeShape(_ shape: Shape) -> Int32 {
        switch shape {
        case .box(let h): return bs_shape_box(handle, h.x, h.y, h.z)
        case .sphere(let r): return bs_shape_sphere(handle, r)
        case .cylinder(let r, let hh): return bs_shape_cylinder(handle, r, hh)
        case .capsule(let r, let hh): return bs_shape_capsule(handle, r, hh)
        case .convexHull(let points):
            var flat: [Double] = []
            flat.reserveCapacity(points.count * 3)
            for p in points { flat += [p.x, p.y, p.z] }
            return bs_shape_convex_hull(handle, flat, Int32(points.count))
        case .mesh(let mesh):
            return makeShape(.convexHull(points: HullCache.shared.collisionHull(mesh)))
        }
    }

    /// A mesh's simplified convex hull (Bullet's btShapeHull), at most about 100 points whatever the vertex count.
    static func simplifiedHull(_ points: [SIMD3<Double>]) -> [SIMD3<Double>] {
        guard points.count >= 4 else { return points }
        let flat = points.flatMap { [$0.x, $0.y, $0.z] }
        var out = [Double](repeating: 0, count: 3 * 512)
        let n = Int(bs_convex_hull_simplify(flat, Int32(points.count), &out, 512))
        guard n >= 4 else { return points }
        return (0..<min(n, 512)).map { SIMD3(out[3 * $0], out[3 * $0 + 1], out[3 * $0 + 2]) }
    }

    /// A closed triangle mesh's convex pieces by HACD (Bullet's Extras), as point clouds; nil when HACD fails.
    static func convexDecomposition(_ mesh: TriangleMesh, _ p: DecompositionParameters) -> [[SIMD3<Double>]]? {
        let flat = mesh.positions.flatMap { [$0.x, $0.y, $0.z] }
        let triangles = mesh.indices.map { Int32($0) }
        guard
            let d = bs_decompose(
                flat, Int32(mesh.positions.count), triangles, Int32(triangles.count / 3), p.concavity, Int32(p.minHulls),
                Int32(p.maxHullVertices))
        else { return nil }
        defer { bs_decomposition_free(d) }
        var hulls: [[SIMD3<Double>]] = []
        for h in 0..<Int(bs_decomposition_hull_count(d)) {
            let n = Int(bs_decomposition_hull(d, Int32(h), nil, 0))
            guard n >= 4 else { continue }
            var out = [Double](repeating: 0, count: 3 * n)
            _ = bs_decomposition_hull(d, Int32(h), &out, Int32(n))
            hulls.append((0..<n).map { SIMD3(out[3 * $0], out[3 * $0 + 1], out[3 * $0 + 2]) })
        }
        return hulls
    }

    /// One native shape for a list of parts: the primitive itself when it is alone and unposed, else a compound.
    /// `mergingMeshes`: all-mesh parts are one file split by material (scene objects) and collide as one hull;
    /// robot links pass false, their parts being separate collision meshes (one hull each, the URDF already
    /// joined each file's parts).
    func makeShape(_ parts: [ShapePart], mergingMeshes: Bool = true) -> Int32 {
        if parts.count == 1, parts[0].pose == .identity { return makeShape(parts[0].shape) }
        // A mesh split by material collides as one hull of all its vertices, not as overlapping hulls of each part.
        if mergingMeshes, parts.count > 1, parts.allSatisfy({ if case .mesh = $0.shape { return true } else { return false } }) {
            var points: [SIMD3<Double>] = []
            for part in parts {
                if case .mesh(let m) = part.shape { points += m.positions.map { part.pose.transform($0) } }
            }
            return makeShape(.mesh(TriangleMesh(positions: points, normals: [], indices: [])))
        }
        let compound = bs_shape_compound(handle)
        for part in parts {
            let child = makeShape(part.shape)
            let pose = part.pose.packed
            _ = bs_shape_compound_add(handle, compound, child, pose)
        }
        return compound
    }

    func setJointDamping(_ mb: Int32, link: Int, damping: Double) {
        bs_multibody_set_joint_damping(handle, mb, Int32(link), damping)
    }

    // MARK: rigid bodies

    func addBody(shape: Int32, mass: Double, pose: Pose, material: Material) -> Int32 {
        var m = material.native
        return bs_body_create(handle, shape, mass, nil, pose.packed, &m)
    }

    var bodyCount: Int { Int(bs_body_count(handle)) }

    /// 13 doubles per native body into `buffer` (resized as needed).
    func readBodyStates(into buffer: inout [Double]) {
        let n = bodyCount * 13
        if buffer.count != n { buffer = [Double](repeating: 0, count: n) }
        buffer.withUnsafeMutableBufferPointer { bs_world_get_body_states(handle, $0.baseAddress) }
    }

    func setPose(_ body: Int32, _ pose: Pose) { bs_body_set_pose(handle, body, pose.packed) }

    func setVelocity(_ body: Int32, linear: SIMD3<Double>, angular: SIMD3<Double>) {
        bs_body_set_velocity(handle, body, [linear.x, linear.y, linear.z], [angular.x, angular.y, angular.z])
    }

    func applyForce(_ body: Int32, _ force: SIMD3<Double>, at point: SIMD3<Double>) {
        bs_body_apply_force(handle, body, [force.x, force.y, force.z], [point.x, point.y, point.z])
    }

    func applyImpulse(_ body: Int32, _ impulse: SIMD3<Double>, at point: SIMD3<Double>) {
        bs_body_apply_impulse(handle, body, [impulse.x, impulse.y, impulse.z], [point.x, point.y, point.z])
    }

    func setMaterial(_ body: Int32, _ material: Material) {
        var m = material.native
        bs_body_set_material(handle, body, &m)
    }

    // MARK: contacts

    struct RawContact {
        var bodyA: Int32, bodyB: Int32
        var positionOnA: SIMD3<Double>, positionOnB: SIMD3<Double>, normalOnB: SIMD3<Double>
        var distance: Double, normalForce: Double
    }

    func contacts() -> [RawContact] {
        let total = Int(bs_world_contacts(handle, nil, 0))
        guard total > 0 else { return [] }
        var raw = [bs_contact](repeating: bs_contact(), count: total)
        let n = Int(bs_world_contacts(handle, &raw, Int32(total)))
        return raw.prefix(min(n, total)).map { c in
            RawContact(
                bodyA: c.body_a, bodyB: c.body_b,
                positionOnA: SIMD3(c.position_on_a.0, c.position_on_a.1, c.position_on_a.2),
                positionOnB: SIMD3(c.position_on_b.0, c.position_on_b.1, c.position_on_b.2),
                normalOnB: SIMD3(c.normal_on_b.0, c.normal_on_b.1, c.normal_on_b.2),
                distance: c.distance, normalForce: c.normal_force)
        }
    }

    // MARK: articulations

    func createMultibody(linkCount: Int, baseMass: Double, baseInertia: SIMD3<Double>, fixedBase: Bool, basePose: Pose) -> Int32 {
        bs_multibody_create(
            handle, Int32(linkCount), baseMass, [baseInertia.x, baseInertia.y, baseInertia.z],
            fixedBase ? 1 : 0, basePose.packed)
    }

    func setupLink(
        _ mb: Int32, link: Int, parent: Int, kind: JointKind, mass: Double, inertia: SIMD3<Double>,
        rotParentToThis: Quaternion, axis: SIMD3<Double>, parentComToPivot: SIMD3<Double>,
        pivotToThisCom: SIMD3<Double>, lower: Double, upper: Double, damping: Double, friction: Double
    ) -> Bool {
        let type: Int32 =
            switch kind {
            case .fixed: Int32(BS_JOINT_FIXED)
            case .revolute: Int32(BS_JOINT_REVOLUTE)
            case .prismatic: Int32(BS_JOINT_PRISMATIC)
            }
        let q = rotParentToThis
        return bs_multibody_setup_link(
            handle, mb, Int32(link), Int32(parent), type, mass, [inertia.x, inertia.y, inertia.z],
            [q.x, q.y, q.z, q.w], [axis.x, axis.y, axis.z],
            [parentComToPivot.x, parentComToPivot.y, parentComToPivot.z],
            [pivotToThisCom.x, pivotToThisCom.y, pivotToThisCom.z],
            lower, upper, damping, friction) == 0
    }

    func setLinkShape(_ mb: Int32, link: Int, shape: Int32, material: Material) -> Int32 {
        var m = material.native
        return bs_multibody_set_link_shape(handle, mb, Int32(link), shape, &m)
    }

    func finalizeMultibody(_ mb: Int32) -> Bool { bs_multibody_finalize(handle, mb) == 0 }

    func jointState(_ mb: Int32, dofCount: Int) -> (positions: [Double], velocities: [Double]) {
        var q = [Double](repeating: 0, count: dofCount)
        var v = q
        bs_multibody_get_joints(handle, mb, &q, &v)
        return (q, v)
    }

    func setJointState(_ mb: Int32, positions: [Double], velocities: [Double]) {
        bs_multibody_set_joints(handle, mb, positions, velocities)
    }

    /// World poses of the base and each native link's centre-of-mass frame.
    func linkPoses(_ mb: Int32, linkCount: Int) -> [Pose] {
        var out = [Double](repeating: 0, count: (linkCount + 1) * 7)
        bs_multibody_get_link_poses(handle, mb, &out)
        return (0...linkCount).map { Pose(packed: out[($0 * 7)..<($0 * 7 + 7)].map { $0 }) }
    }

    func setMotor(
        _ mb: Int32, link: Int, position: Double, velocity: Double, positionGain: Double,
        velocityGain: Double, maxEffort: Double
    ) {
        bs_multibody_set_motor(handle, mb, Int32(link), position, velocity, positionGain, velocityGain, maxEffort)
    }

    func setMotorMaxVelocity(_ mb: Int32, link: Int, _ maxVelocity: Double) {
        bs_multibody_set_motor_max_velocity(handle, mb, Int32(link), maxVelocity)
    }

    func motorEfforts(_ mb: Int32, dofCount: Int) -> [Double] {
        var out = [Double](repeating: 0, count: dofCount)
        bs_multibody_get_motor_efforts(handle, mb, &out)
        return out
    }
}

/// Surface and damping properties.
public struct Material: Sendable, Hashable {
    public var friction: Double
    public var rollingFriction: Double = 0
    public var spinningFriction: Double = 0
    public var restitution: Double = 0
    public var linearDamping: Double = 0
    public var angularDamping: Double = 0
    /// Contacts touching this collider keep their first point while they stick (grippers: no creep of a held
    /// object). Off elsewhere: an anchored table lets round things roll away on their own.
    public var frictionAnchor: Bool = false

    public init(
        friction: Double, rollingFriction: Double = 0, spinningFriction: Double = 0, restitution: Double = 0,
        linearDamping: Double = 0, angularDamping: Double = 0, frictionAnchor: Bool = false
    ) {
        self.friction = friction
        self.rollingFriction = rollingFriction
        self.spinningFriction = spinningFriction
        self.restitution = restitution
        self.linearDamping = linearDamping
        self.angularDamping = angularDamping
        self.frictionAnchor = frictionAnchor
    }

    fileprivate var native: bs_material {
        bs_material(
            friction: friction, rolling_friction: rollingFriction, spinning_friction: spinningFriction,
            restitution: restitution, linear_damping: linearDamping, angular_damping: angularDamping,
            friction_anchor: frictionAnchor ? 1 : 0)
    }
}
