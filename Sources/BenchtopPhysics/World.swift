import BenchtopCore
import BenchtopScene
import Foundation

/// Errors of a running world.
public enum PhysicsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A body's state became NaN or infinite, or a velocity ran away.
    case blowUp(step: Int, detail: String)
    /// An articulation description that cannot be built.
    case invalidArticulation(name: String, detail: String)
    /// An object whose collision shape cannot be made (a mesh HACD cannot decompose).
    case invalidObject(name: String, detail: String)

    public var description: String {
        switch self {
        case .blowUp(let step, let detail): "physics blew up at step \(step): \(detail)"
        case .invalidArticulation(let name, let detail): "articulation '\(name)': \(detail)"
        case .invalidObject(let name, let detail): "object '\(name)': \(detail)"
        }
    }
}

/// One contact point between two bodies (Benchtop body ids).
public struct Contact: Sendable, Hashable {
    public var bodyA: Int
    public var bodyB: Int
    public var positionOnA: SIMD3<Double>
    public var positionOnB: SIMD3<Double>
    /// World-frame normal on B, pointing from B towards A.
    public var normalOnB: SIMD3<Double>
    /// Signed separation in metres (negative: penetration).
    public var distance: Double
    /// Normal force in newtons during the last step.
    public var normalForce: Double
}

/// A compiled, steppable simulation built from a scene: the single owner of the physics state.
///
/// Body ids index `bodies` and every snapshot's `bodies`: ground, table, scene objects in scene order,
/// then each articulation's links in link order.
public final class World {
    public let scene: Scene
    public let seed: UInt64
    public let articulationSpecs: [ArticulationSpec]
    /// Static description of every body, by body id.
    public private(set) var bodies: [BodyDescription] = []
    /// Compiled articulations, in the order given.
    public private(set) var articulations: [CompiledArticulation] = []
    /// Poses objects were placed at by reset (after randomisation), by body id.
    public private(set) var initialPoses: [Pose] = []

    private var native: BulletWorld
    private var nativeID: [Int32?] = []  // body id -> native body id (nil: not simulated)
    private var bodyForNative: [Int32: Int] = [:]  // native body id -> body id
    private var linkNative: [Int: Int32] = [:]  // body id of an articulation link -> its collider's native id
    private var fixedPose: [Pose?] = []
    private var stateBuffer: [Double] = []

    /// Largest speed considered physical; beyond it the world reports a blow-up (m/s).
    public var runawaySpeed: Double = 100

    public var timeStep: Double { scene.physics.timeStep }
    public var stepCount: Int { native.stepCount }
    /// Simulated time: step count times the fixed step.
    public var time: Double { Double(native.stepCount) * scene.physics.timeStep }

    /// Builds a world from a scene, placing objects by the seed; articulations (robots) are added after objects.
    public init(scene: Scene, seed: UInt64 = 0, articulations: [ArticulationSpec] = []) throws {
        self.scene = scene
        self.seed = seed
        self.articulationSpecs = articulations
        native = World.makeNative(scene.physics)
        try build()
    }

    /// Rebuilds the world from its description (no partial state restore), optionally with a new seed.
    public func reset() throws {
        native = World.makeNative(scene.physics)
        bodies = []
        nativeID = []
        bodyForNative = [:]
        fixedPose = []
        initialPoses = []
        articulations = []
        linkNative = [:]
        try build()
    }

    /// Whether the native layer was built in double precision (it must be).
    public static var nativeIsDoublePrecision: Bool { BulletWorld.isDoublePrecision }

    private static func makeNative(_ p: PhysicsSettings) -> BulletWorld {
        BulletWorld(
            gravity: p.gravity, timeStep: p.timeStep, solverIterations: p.solverIterations,
            contactERP: p.contactERP, splitImpulse: p.splitImpulse)
    }

    // MARK: - Building

    private func build() throws {
        let table = scene.table
        // The floor catches whatever falls off the table.
        addStatic(
            BodyDescription(
                name: "ground", kind: .ground, parts: [ShapePart(.box(halfExtents: SIMD3(50, 50, 0.05)))],
                color: Color(0.55, 0.55, 0.55), mass: 0),
            pose: Pose(position: SIMD3(0, 0, -0.05)), material: Material(friction: 0.8))
        let top = SIMD3(table.size.x / 2, table.size.y / 2, table.thickness / 2)
        addStatic(
            BodyDescription(
                name: "table", kind: .table, parts: [ShapePart(.box(halfExtents: top))],
                color: table.color, texture: table.texture.rawValue, mass: 0),
            pose: Pose(position: SIMD3(table.center.x, table.center.y, table.height - table.thickness / 2)),
            material: Material(friction: table.friction))

        var rng = SeededRandom(seed: seed).fork("layout")
        var articulatedObjects: [ArticulationSpec] = []
        for object in scene.objects {
            let pose = placement(of: object, rng: &rng)
            if case .urdf(let u) = object.asset, !u.isRigid {
                // Built after the robots, so robot articulations keep indices 0, 1, ...
                var spec = u.spec
                spec.name = object.name
                spec.base = pose * Pose(position: -u.center)
                spec.fixedBase = u.fixedBase
                spec.initialPositions = u.initialPositions
                articulatedObjects.append(spec)
                continue
            }
            let desc = BodyDescription(
                name: object.name, kind: .object, parts: object.asset.parts, color: object.color,
                texture: object.texture?.rawValue,
                mass: object.isStatic ? 0 : object.mass, collides: object.asset.collides)
            let material = Material(
                friction: object.friction, rollingFriction: object.rollingFriction,
                spinningFriction: object.spinningFriction, restitution: object.restitution)
            if !object.asset.collides {
                append(desc, native: nil, pose: pose)
            } else {
                let shape = native.makeShape(try Self.collisionParts(object, drawn: desc.parts))
                let id = native.addBody(shape: shape, mass: desc.mass, pose: pose, material: material)
                append(desc, native: id, pose: pose)
            }
        }
        for spec in articulationSpecs { try addArticulation(spec) }
        objectArticulationStart = articulations.count
        for spec in articulatedObjects { try addArticulation(spec, isObject: true) }
    }

    /// What physics collides with: the drawn parts, or a mesh's convex decomposition (cached, see DecompositionCache).
    static func collisionParts(_ object: SceneObject, drawn: [ShapePart]) throws -> [ShapePart] {
        guard case .mesh(let mesh) = object.asset, case .decomposition(let parameters) = mesh.collision else { return drawn }
        do {
            return try DecompositionCache.shared.hulls(mesh.weldedMesh, parameters).map { ShapePart(.convexHull(points: $0)) }
        } catch let e as DecompositionCache.Failure {
            throw PhysicsError.invalidObject(name: object.name, detail: "\(mesh.file): \(e.description)")
        }
    }

    /// Articulations from this index on are scene objects (URDF drawers, doors), not robots.
    public private(set) var objectArticulationStart = 0

    /// A movable joint of an articulated scene object: its articulation index and joint index.
    public func objectJoint(object: String, joint: String) -> (articulation: Int, joint: Int)? {
        guard let a = articulations.firstIndex(where: { $0.name == object }), a >= objectArticulationStart,
            let j = articulations[a].joints.firstIndex(where: { $0.name == joint })
        else { return nil }
        return (a, j)
    }

    /// The object's pose at reset: nominal plus seeded randomisation, resting on the table when no z is given.
    private func placement(of object: SceneObject, rng: inout SeededRandom) -> Pose {
        var position = object.position
        var rpy = object.orientation
        // Draw all three numbers for every object so that editing one range never shifts the others' draws.
        let r = object.randomization ?? PlacementRandomization()
        let dx = rng.uniform(r.x.lowerBound, r.x.upperBound)
        let dy = rng.uniform(r.y.lowerBound, r.y.upperBound)
        let dyaw = rng.uniform(r.yaw.lowerBound, r.yaw.upperBound)
        if object.randomization != nil {
            position.x += dx
            position.y += dy
            rpy.z += dyaw
        }
        let orientation = Quaternion(roll: rpy.x, pitch: rpy.y, yaw: rpy.z)
        if object.restsOnTable {
            position.z = scene.table.height + World.restingHalfHeight(object.asset.halfExtents, orientation)
        }
        return Pose(position: position, orientation: orientation)
    }

    /// Half of the vertical extent of a rotated box, so an object with roll or pitch still rests on the table.
    static func restingHalfHeight(_ h: SIMD3<Double>, _ q: Quaternion) -> Double {
        let m = q.matrix
        return abs(m[6]) * h.x + abs(m[7]) * h.y + abs(m[8]) * h.z
    }

    private func addStatic(_ desc: BodyDescription, pose: Pose, material: Material) {
        let shape = native.makeShape(desc.parts)
        append(desc, native: native.addBody(shape: shape, mass: 0, pose: pose, material: material), pose: pose)
    }

    private func append(_ desc: BodyDescription, native id: Int32?, pose: Pose) {
        let bodyID = bodies.count
        bodies.append(desc)
        nativeID.append(id)
        fixedPose.append(id == nil ? pose : nil)
        initialPoses.append(pose)
        if let id { bodyForNative[id] = bodyID }
    }

    // MARK: - Articulations

    private func addArticulation(_ spec: ArticulationSpec, isObject: Bool = false) throws {
        let compiled = try ArticulationCompiler(spec: spec).compile()
        let mb = native.createMultibody(
            linkCount: compiled.nativeLinks.count, baseMass: compiled.base.mass,
            baseInertia: compiled.base.principalInertia, fixedBase: spec.fixedBase,
            basePose: spec.base * compiled.base.comFrame)
        guard mb >= 0 else { throw PhysicsError.invalidArticulation(name: spec.name, detail: "the native layer rejected the base") }
        for (i, link) in compiled.nativeLinks.enumerated() {
            guard
                native.setupLink(
                    mb, link: i, parent: link.parentNative, kind: link.joint.kind, mass: link.mass,
                    inertia: link.principalInertia, rotParentToThis: link.rotParentToThis,
                    axis: link.axisInCom, parentComToPivot: link.parentComToPivot,
                    pivotToThisCom: link.pivotToThisCom, lower: link.joint.lower, upper: link.joint.upper,
                    damping: link.joint.damping, friction: link.joint.friction)
            else {
                throw PhysicsError.invalidArticulation(name: spec.name, detail: "the native layer rejected joint '\(link.joint.name)'")
            }
        }
        // Link body ids follow spec link order; colliders are expressed in each link's COM frame.
        var linkBody = [Int](repeating: -1, count: spec.links.count)
        var nativeOfSpecLink = [Int](repeating: -1, count: spec.links.count)  // -1 = base
        for (i, l) in compiled.nativeLinks.enumerated() { nativeOfSpecLink[l.specLink] = i }
        for (index, link) in spec.links.enumerated() {
            let nativeLink = nativeOfSpecLink[index]
            let comFrame = index == 0 ? compiled.base.comFrame : compiled.nativeLinks[nativeLink].comFrame
            var nativeBody: Int32? = nil
            if !link.collision.isEmpty {
                let inCom = link.collision.map { ShapePart($0.shape, pose: comFrame.inverse * $0.pose) }
                let shape = native.makeShape(inCom, mergingMeshes: false)
                // Robot links anchor their contacts' friction: a held object does not creep down the fingers.
                let material = Material(friction: link.friction, frictionAnchor: !isObject)
                let id = native.setLinkShape(mb, link: nativeLink, shape: shape, material: material)
                guard id >= 0 else { throw PhysicsError.invalidArticulation(name: spec.name, detail: "link '\(link.name)' collider rejected") }
                nativeBody = id
            }
            // An object's root link answers to the object's name (predicates, segmentation); its other links to object/link.
            let name = isObject && index == 0 ? spec.name : "\(spec.name)/\(link.name)"
            let desc = BodyDescription(
                name: name, kind: isObject ? .object : .robotLink,
                parts: link.visual.isEmpty ? link.collision : link.visual,
                color: link.color, mass: link.inertial.mass, collides: !link.collision.isEmpty)
            linkBody[index] = bodies.count
            bodies.append(desc)
            nativeID.append(nil)  // link poses come from the multibody, not the body table
            fixedPose.append(nil)
            initialPoses.append(.identity)
            if let nativeBody {
                bodyForNative[nativeBody] = linkBody[index]
                linkNative[linkBody[index]] = nativeBody
            }
        }
        guard native.finalizeMultibody(mb) else {
            throw PhysicsError.invalidArticulation(name: spec.name, detail: "the native layer could not finalise the multibody")
        }
        let movable = compiled.nativeLinks.enumerated().filter { $0.element.joint.kind != .fixed }
        let articulation = CompiledArticulation(
            name: spec.name, spec: spec, handle: mb, linkBodies: linkBody, nativeOfSpecLink: nativeOfSpecLink,
            comFrames: compiled.comFrames, dofNativeLinks: movable.map(\.offset), joints: movable.map(\.element.joint))
        articulations.append(articulation)
        if isObject {
            // An object's joints resist motion by their URDF dynamics: Coulomb friction as a velocity motor with
            // that much effort (PyBullet's way), viscous damping as a torque against the joint's speed.
            for (k, joint) in articulation.joints.enumerated() {
                let link = articulation.dofNativeLinks[k]
                if joint.friction > 0 {
                    native.setMotor(mb, link: link, position: 0, velocity: 0, positionGain: 0, velocityGain: 1, maxEffort: joint.friction)
                }
                if joint.damping > 0 { native.setJointDamping(mb, link: link, damping: joint.damping) }
            }
        }
        var q = spec.initialPositions
        if q.count != articulation.joints.count { q = [Double](repeating: 0, count: articulation.joints.count) }
        native.setJointState(mb, positions: q, velocities: [Double](repeating: 0, count: q.count))
        for (i, p) in linkPoses(articulation).enumerated() { initialPoses[linkBody[i]] = p }
    }

    /// World poses of an articulation's links (link frames, spec order).
    public func linkPoses(_ a: CompiledArticulation) -> [Pose] {
        let com = native.linkPoses(a.handle, linkCount: a.dofNativeLinkCount)
        return (0..<a.spec.links.count).map { i in
            let n = a.nativeOfSpecLink[i]
            return com[n + 1] * a.comFrames[i].inverse
        }
    }

    /// Index of the articulation with a name.
    public func articulationIndex(named name: String) -> Int? { articulations.firstIndex { $0.name == name } }

    /// Joint positions and velocities of the movable joints.
    public func jointState(articulation index: Int) -> ArticulationState {
        let a = articulations[index]
        let s = native.jointState(a.handle, dofCount: a.joints.count)
        return ArticulationState(name: a.name, jointPositions: s.positions, jointVelocities: s.velocities)
    }

    /// Teleports the joints (for resets and replays); velocities default to zero.
    public func setJointPositions(articulation index: Int, _ positions: [Double], velocities: [Double]? = nil) {
        let a = articulations[index]
        precondition(positions.count == a.joints.count, "expected \(a.joints.count) joint positions")
        native.setJointState(a.handle, positions: positions, velocities: velocities ?? [Double](repeating: 0, count: positions.count))
    }

    /// Drives each movable joint towards a target with the implicit joint motor, limited to the joint's effort
    /// and to its velocity limit (`JointSpec.velocity`, when positive). Targets outside the joint limits are
    /// clamped to them.
    public func setJointTargets(
        articulation index: Int, positions: [Double], velocities: [Double]? = nil,
        positionGain: Double = 0.1, velocityGain: Double = 1.0, efforts: [Double]? = nil
    ) {
        let a = articulations[index]
        precondition(positions.count == a.joints.count, "expected \(a.joints.count) joint targets")
        for (k, joint) in a.joints.enumerated() {
            var target = positions[k]
            if joint.lower < joint.upper { target = min(max(target, joint.lower), joint.upper) }
            native.setMotor(
                a.handle, link: a.dofNativeLinks[k], position: target, velocity: velocities?[k] ?? 0,
                positionGain: positionGain, velocityGain: velocityGain,
                maxEffort: efforts?[k] ?? (joint.effort > 0 ? joint.effort : 1e6))
            // Without a speed cap the implicit motor asks for error / dt, hundreds of rad/s for a large step.
            native.setMotorMaxVelocity(a.handle, link: a.dofNativeLinks[k], joint.velocity)
        }
    }

    /// Motor efforts applied during the last step (N m or N), per movable joint.
    public func motorEfforts(articulation index: Int) -> [Double] {
        native.motorEfforts(articulations[index].handle, dofCount: articulations[index].joints.count)
    }

    // MARK: - Stepping and state

    /// Advances `count` fixed steps. Throws `PhysicsError.blowUp` on NaN or runaway velocity.
    public func step(_ count: Int = 1) throws {
        // One native step at a time, checked after each, so that a blow-up names the step it happened in
        // (checking only after `count` steps named the last one). The checks are cheap scans in the native
        // layer: no state copy and no forward kinematics on the hot path.
        for _ in 0..<max(count, 0) {
            guard native.step(1) else {
                throw PhysicsError.blowUp(step: stepCount, detail: "a body's pose or velocity became NaN or infinite")
            }
            let fastest = native.maxRigidSpeed()
            if fastest.speed > runawaySpeed {
                let body = bodyForNative[fastest.body].map { bodies[$0].name } ?? "?"
                throw PhysicsError.blowUp(step: stepCount, detail: "body '\(body)' moves at \(fastest.speed) m/s (limit \(runawaySpeed))")
            }
        }
    }

    /// Why the current state is not a physical start, or nil: a non-finite pose or velocity, or a body moving
    /// faster than `runawaySpeed` (a scene problem, found before any policy sees the state).
    public func initialStateProblem() -> String? {
        let snapshot = snapshot()
        for (i, b) in snapshot.bodies.enumerated() {
            let p = b.pose.position
            let v = b.linearVelocity
            let q = b.pose.orientation
            guard (p.x + p.y + p.z + v.x + v.y + v.z).isFinite, (q.x + q.y + q.z + q.w).isFinite else {
                return "body '\(bodies[i].name)' starts with a non-finite pose or velocity"
            }
        }
        for a in snapshot.articulations where !a.jointPositions.allSatisfy(\.isFinite) {
            return "an articulation starts with non-finite joint positions"
        }
        return nil
    }

    /// An immutable copy of the current state.
    public func snapshot() -> WorldSnapshot {
        native.readBodyStates(into: &stateBuffer)
        var states = [BodyState](repeating: BodyState(pose: .identity), count: bodies.count)
        for id in 0..<bodies.count {
            if let n = nativeID[id] {
                let o = Int(n) * 13
                states[id] = BodyState(
                    pose: Pose(packed: stateBuffer[o..<(o + 7)]),
                    linearVelocity: SIMD3(stateBuffer[o + 7], stateBuffer[o + 8], stateBuffer[o + 9]),
                    angularVelocity: SIMD3(stateBuffer[o + 10], stateBuffer[o + 11], stateBuffer[o + 12]))
            } else if let p = fixedPose[id] {
                states[id] = BodyState(pose: p)
            }
        }
        var joints: [ArticulationState] = []
        for (index, a) in articulations.enumerated() {
            for (i, p) in linkPoses(a).enumerated() { states[a.linkBodies[i]] = BodyState(pose: p) }
            joints.append(jointState(articulation: index))
        }
        return WorldSnapshot(time: time, step: stepCount, bodies: states, articulations: joints)
    }

    /// Body id of the body with a name (objects by scene name, links as `robot/link`).
    public func bodyID(named name: String) -> Int? { bodies.firstIndex { $0.name == name } }

    // MARK: - Contacts and forces

    /// Touching contact points (distance <= 0) after the last step.
    public func contacts() -> [Contact] {
        native.contacts().compactMap { c in
            guard let a = bodyForNative[c.bodyA], let b = bodyForNative[c.bodyB] else { return nil }
            return Contact(
                bodyA: a, bodyB: b, positionOnA: c.positionOnA, positionOnB: c.positionOnB,
                normalOnB: c.normalOnB, distance: c.distance, normalForce: c.normalForce)
        }
    }

    /// The ids of bodies touching `body`.
    public func bodiesTouching(_ body: Int) -> Set<Int> {
        var result = Set<Int>()
        for c in contacts() {
            if c.bodyA == body { result.insert(c.bodyB) } else if c.bodyB == body { result.insert(c.bodyA) }
        }
        return result
    }

    private func nativeBody(_ id: Int) -> Int32? { id >= 0 && id < nativeID.count ? nativeID[id] : nil }

    public func setPose(body id: Int, _ pose: Pose) { if let n = nativeBody(id) { native.setPose(n, pose) } }

    public func setVelocity(body id: Int, linear: SIMD3<Double>, angular: SIMD3<Double> = .zero) {
        if let n = nativeBody(id) { native.setVelocity(n, linear: linear, angular: angular) }
    }

    /// Applies a force (N) at a world point during the next step (rigid bodies and articulation links).
    public func applyForce(body id: Int, _ force: SIMD3<Double>, at point: SIMD3<Double>) {
        if let n = nativeBody(id) ?? linkNative[id] { native.applyForce(n, force, at: point) }
    }

    /// Applies an impulse (N s) at a world point now.
    public func applyImpulse(body id: Int, _ impulse: SIMD3<Double>, at point: SIMD3<Double>) {
        if let n = nativeBody(id) { native.applyImpulse(n, impulse, at: point) }
    }

    /// Changes a body's friction, restitution and damping.
    public func setMaterial(body id: Int, _ material: Material) {
        if let n = nativeBody(id) { native.setMaterial(n, material) }
    }
}
