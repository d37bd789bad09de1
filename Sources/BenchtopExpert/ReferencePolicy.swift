import BenchtopCore
import BenchtopPhysics
import BenchtopPolicy
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// The built-in action reasoning policy: a scripted planner with privileged access to the scene that emits the
/// three stages a MolmoAct model emits — depth tokens of the primary depth image, a trace of up to 5 planned
/// waypoints projected into the primary image (0 ... 255 coordinates), and action chunks in the embodiment's
/// control mode (end-effector deltas, absolute poses, or joint targets through IK).
///
/// It is steerable: `steer(with:)` takes a user trace on the primary image, lifts it to 3D with the depth
/// image, and follows it before finishing the task.
public final class ReferencePolicy: Policy {
    public let name = "builtin"
    public let access: any PrivilegedAccess
    /// Actions per chunk.
    public var chunkSize: Int
    /// Actions of each chunk the runner executes (its n_action_steps); the plan advances by these.
    public var executedSteps: Int
    /// Top TCP speed, m/s, and turn rate, rad/s.
    public var maxSpeed = 0.25
    public var maxTurnRate = 1.5
    /// Standard deviation of the noise added to each translation step, metres (0 for evaluation; small for
    /// demos so that scripted demonstrations are not identical).
    public var translationNoise = 0.0
    /// Maps a depth image to the 100 depth tokens of the default tokenizer, when one is available.
    public var depthTokenizer: ((DepthImage) -> [Int]?)?
    /// Hover height above the surface for a steering trace's points, metres.
    public var steeringHover = 0.06

    public private(set) var plan: [Waypoint] = []
    /// The arm that carries out the plan (for bimanual robots, the one whose base is nearest the first
    /// waypoint); the other arms hold their targets and keep their grippers open.
    public private(set) var arm = 0
    public private(set) var index = 0
    private var holdLeft = 0
    private var home = Quaternion.identity
    /// TCP height over a pushed object's base (see `PusherChoice`).
    public private(set) var pushHeight = TaskPlanner.pushHeight
    private var rng = SeededRandom(seed: 0)
    private var pendingSteering: [SIMD2<Double>]?

    public init(access: any PrivilegedAccess, chunkSize: Int = 8, executedSteps: Int = 8) {
        self.access = access
        self.chunkSize = chunkSize
        self.executedSteps = executedSteps
    }

    public func reset(instruction: String, seed: UInt64) throws {
        let world = access.world
        let controller = access.controller
        let tcp = controller.basePose * controller.commandedTCPPose(arm: 0)
        do {
            plan = try TaskPlanner.plan(task: access.task, world: world, snapshot: world.snapshot(), tcp: tcp.position)
        } catch let e as PlanError {
            // A task the planner cannot read (a missing object, an unplannable predicate) ends the episode at once.
            throw UnsupportedTask(e.description)
        }
        guard !plan.isEmpty else { throw PlanError("the task is already satisfied or has no path") }
        let goal = plan[0].position
        // Only arms the control mode moves can act (the YAM's end-effector modes drive the left arm alone).
        let movable = controller.kinematics.indices.filter { a in
            controller.mode.action.contains { channel in
                if case .gripper = channel.source { return false }
                return channel.source.arm == a
            }
        }
        guard !movable.isEmpty else { throw PlanError("control mode '\(controller.mode.name)' moves no arm") }
        func distanceToGoal(_ a: Int) -> Double { length((controller.basePose * controller.tcpPose(arm: a)).position - goal) }
        arm = movable.min { distanceToGoal($0) < distanceToGoal($1) } ?? 0
        home = controller.commandedTCPPose(arm: arm).orientation
        // A 5-joint arm (SO) starts with its gripper pointing forward; its top-down grasps start from the nearest
        // orientation pointing down, which it can reach with any yaw (pan and wrist roll both turn about the
        // vertical).
        if isUnderactuated { home = Self.pointingDown(home) }
        let face = controller.embodiment.arms[arm].gripper?.fixedJawFace
        var jaw: FixedJaw? = nil
        var approach = TaskPlanner.travelClearance
        if face != nil || isUnderactuated {
            let x = (controller.basePose.orientation * home).act(SIMD3(1, 0, 0))
            let axis = SIMD2(x.x, x.y) / max(1e-9, (x.x * x.x + x.y * x.y).squareRoot())
            jaw = face.map { FixedJaw(face: $0, axis: axis) }
            // It holds the gripper vertical only up to about 7 cm over the table: approach from just above.
            approach = isUnderactuated ? 0.04 : TaskPlanner.travelClearance
        }
        // Grasps square the gripper's own closing axis to the object's faces (the Robotiq on DROID's reset pose
        // closes along a world diagonal; planning in world axes would grip a cube by its corners).
        plan = try TaskPlanner.plan(
            task: access.task, world: world, snapshot: world.snapshot(), tcp: tcp.position,
            jaw: jaw, approach: approach, gripper: gripperGeometry(arm: arm, home: home))
        pushHeight = TaskPlanner.pushHeight
        // Candidate arms for the grasp and push choices: the nearest first.
        let chosen = arm
        let candidates = [chosen] + movable.sorted { distanceToGoal($0) < distanceToGoal($1) }.filter { $0 != chosen }
        if plan.contains(where: { $0.label == "close" }) {
            // A pick: an arm whose gripper does not start pointing down grasps with the tilt about its closing axis
            // (and the arm) whose hand clears the table and that its IK reaches along the whole path.
            if let (grasper, path) = try GraspChoice.choose(
                controller: controller, arms: candidates,
                start: { [home] a in a == chosen ? home : controller.commandedTCPPose(arm: a).orientation },
                plan: { a, o, depth in
                    // A tilted hand reaches below the TCP by `depth`, not by its fingertips' depth along the TCP z.
                    var gripper = gripperGeometry(arm: a, home: o)
                    gripper.fingertipDepth = depth
                    return try TaskPlanner.plan(
                        task: access.task, world: world, snapshot: world.snapshot(), tcp: tcp.position,
                        jaw: jaw, approach: approach, gripper: gripper)
                })
            {
                arm = grasper.arm
                home = grasper.orientation
                plan = path
            }
        } else if plan[0].label == "above start" {
            // A push: an arm whose gripper does not start pointing down pushes with the tilt (and the arm) that
            // its IK reaches along the whole push.
            if let (pusher, path) = try PusherChoice.choose(
                controller: controller, arms: candidates,
                start: { [home] a in a == chosen ? home : controller.commandedTCPPose(arm: a).orientation },
                plan: { h in try TaskPlanner.plan(task: access.task, world: world, snapshot: world.snapshot(), tcp: tcp.position, pushHeight: h) })
            {
                arm = pusher.arm
                home = pusher.orientation
                pushHeight = pusher.height
                plan = path
            }
        }
        index = 0
        holdLeft = plan[0].hold
        rng = SeededRandom(seed: seed).fork("reference-policy")
    }

    /// The acting gripper's geometry from its links at the current state: the closing axis at the home orientation
    /// (the TCP x axis for a jaw closing against a fixed jaw, else the sliding axis of the first finger joint; world
    /// y when neither applies) and how far the finger links' collision shapes reach beyond the TCP.
    private func gripperGeometry(arm: Int, home: Quaternion) -> GripperGeometry {
        let controller = access.controller
        let world = access.world
        var geometry = GripperGeometry()
        guard let gripper = controller.embodiment.arms[arm].gripper else { return geometry }
        let articulation = world.articulations[controller.articulation]
        let links = world.linkPoses(articulation)
        let tcp = controller.basePose * controller.tcpPose(arm: arm)
        let fingers = gripper.joints.compactMap { name in articulation.spec.joints.first { $0.name == name } }
        for joint in fingers {
            for part in articulation.spec.links[joint.child].collision {
                let toTCP = tcp.inverse * links[joint.child] * part.pose
                for corner in Self.boundingCorners(part.shape) {
                    geometry.fingertipDepth = max(geometry.fingertipDepth, toTCP.transform(corner).z)
                }
            }
        }
        var axis: SIMD3<Double>
        if gripper.fixedJawFace != nil {
            axis = SIMD3(1, 0, 0)
        } else if let joint = fingers.first, joint.kind == .prismatic {
            axis = tcp.orientation.conjugate.act(links[joint.child].orientation.act(joint.axis))
        } else {
            return geometry
        }
        axis = (controller.basePose.orientation * home).act(axis)
        if axis.x * axis.x + axis.y * axis.y > 1e-6 { geometry.closingYaw = atan2(axis.y, axis.x) }
        return geometry
    }

    /// The corners of a shape's bounding box in its own frame.
    static func boundingCorners(_ shape: Shape) -> [SIMD3<Double>] {
        let h: SIMD3<Double>
        switch shape {
        case .box(let e): h = e
        case .sphere(let r): h = SIMD3(r, r, r)
        case .cylinder(let r, let hh): h = SIMD3(r, r, hh)
        case .capsule(let r, let hh): h = SIMD3(r, r, hh + r)
        case .convexHull(let points): return points
        case .mesh(let mesh): return mesh.positions
        }
        return (0..<8).map { k in SIMD3(k & 1 == 0 ? -h.x : h.x, k & 2 == 0 ? -h.y : h.y, k & 4 == 0 ? -h.z : h.z) }
    }

    /// Whether the acting arm has fewer than 6 joints, so that not every TCP pose is reachable.
    private var isUnderactuated: Bool { access.controller.dofs(arm: arm).joints.count < 6 }

    /// The orientation nearest to `q` whose z axis (out of the jaws) points down.
    static func pointingDown(_ q: Quaternion) -> Quaternion {
        let z = q.act(SIMD3(0, 0, 1))
        let axis = cross(z, SIMD3(0, 0, -1))
        guard length(axis) > 1e-9 else { return z.z < 0 ? q : (Quaternion(axis: SIMD3(1, 0, 0), angle: .pi) * q).normalized }
        return (Quaternion(axis: axis / length(axis), angle: acos(max(-1, min(1, -z.z)))) * q).normalized
    }

    /// Follows `trace` (points in 0 ... 255 coordinates of the primary image) before the rest of the task:
    /// each point is lifted to 3D with the next observation's primary depth image.
    public func steer(with trace: [SIMD2<Double>]) { pendingSteering = trace }

    /// The lifted steering waypoints inserted by the last `steer(with:)`, world frame.
    public private(set) var steeringWaypoints: [SIMD3<Double>] = []

    public func act(on observation: Observation) throws -> ActionChunk {
        let controller = access.controller
        if let trace = pendingSteering {
            try insertSteering(trace, observation: observation)
            pendingSteering = nil
        }
        let mode = controller.mode
        let base = controller.basePose
        if plan[min(index, plan.count - 1)].label.hasPrefix("push") || plan[min(index, plan.count - 1)].label.hasPrefix("realign") {
            // Pushing is closed loop: re-aim at the object's live pose every query.
            let tcp = (base * controller.commandedTCPPose(arm: arm)).position
            if let refined = TaskPlanner.refinePush(
                task: access.task, world: access.world, snapshot: access.world.snapshot(), tcp: tcp,
                height: pushHeight),
                !(plan[index].label.hasPrefix("realign") && refined.first?.label.hasPrefix("realign") == true)
            {
                var yaw = refined[0].yaw
                if refined.count == 1 && refined[0].label == "retreat" { yaw = plan[index].yaw }
                plan =
                    Array(plan[..<index])
                    + refined.map {
                        var w = $0
                        if w.label == "retreat" { w.yaw = yaw }
                        return w
                    }
                holdLeft = plan[index].hold
            }
        }
        let dt = 1 / access.controlRate
        var reference = controller.commandedTCPPose(arm: arm)
        var seedJoints = controller.targets
        var i = index
        var hold = holdLeft
        var actions: [[Double]] = []
        for k in 0..<chunkSize {
            let w = plan[min(i, plan.count - 1)]
            let targetPosition = base.inverse.transform(w.position)
            let targetOrientation = (Quaternion(axis: SIMD3(0, 0, 1), angle: w.yaw) * home).normalized
            var step = targetPosition - reference.position
            let distance = length(step)
            let maxStep = min(maxSpeed, w.speed ?? maxSpeed) * dt
            if distance > maxStep { step *= maxStep / distance }
            if translationNoise > 0 && distance > 0.01 {
                step += SIMD3(rng.gaussian(), rng.gaussian(), rng.gaussian()) * translationNoise
            }
            var turn = (targetOrientation * reference.orientation.conjugate).normalized.rotationVector
            let angle = length(turn)
            if angle > maxTurnRate * dt { turn *= maxTurnRate * dt / angle }
            let drpy = Quaternion(rotationVector: turn).rollPitchYaw
            reference.position += step
            reference.orientation = (Quaternion(roll: drpy.x, pitch: drpy.y, yaw: drpy.z) * reference.orientation).normalized
            let reached = length(targetPosition - reference.position) < 2e-4 && reference.orientation.angle(to: targetOrientation) < 2e-3
            if reached {
                if hold > 0 {
                    hold -= 1
                } else if i < plan.count - 1 {
                    i += 1
                    hold = plan[i].hold
                }
            }
            actions.append(try encode(mode: mode, delta: step, deltaRPY: drpy, pose: reference, aperture: w.aperture, seed: &seedJoints))
            if k == min(executedSteps, chunkSize) - 1 {
                index = i
                holdLeft = hold
            }
        }
        return ActionChunk(actions: actions, reasoning: try reasoning(observation: observation))
    }

    /// Whether every waypoint has been reached and held.
    public var isFinished: Bool { index >= plan.count - 1 && holdLeft == 0 }

    // MARK: - Actions in the control mode's units

    private func encode(
        mode: ControlMode, delta: SIMD3<Double>, deltaRPY: SIMD3<Double>, pose: Pose, aperture: Double,
        seed: inout [Double]
    ) throws -> [Double] {
        let controller = access.controller
        var joints: [Double]? = nil
        let active = arm
        return try mode.action.map { channel in
            let si: Double
            switch channel.source {
            case .tcpDeltaPosition(_, let axis): si = delta[axis]
            case .tcpDeltaRotation(_, let axis): si = deltaRPY[axis]
            case .tcpPosition(_, let axis): si = pose.position[axis]
            case .tcpRotation(_, let axis): si = pose.orientation.rollPitchYaw[axis]
            case .gripper(let a): si = a == active ? aperture : 1
            case .joint(let arm, let index) where arm != active:
                si = controller.targets[controller.dofs(arm: arm).joints[index]]
            case .joint(let arm, let index):
                if joints == nil {
                    // A 5-joint arm cannot point its gripper down everywhere: above about 7 cm over the table it
                    // tilts the gripper rather than miss the position.
                    var options = ArmKinematics.IKOptions()
                    if isUnderactuated { options.orientationWeight = 0.05 }
                    let solution = controller.kinematics[arm].solve(target: pose, seed: seed, options: options)
                    seed = solution.positions
                    joints = solution.positions
                }
                guard let q = joints else { throw PlanError("inverse kinematics failed") }
                si = q[controller.dofs(arm: arm).joints[index]]
            }
            return channel.encode(si)
        }
    }

    // MARK: - Reasoning

    private func reasoning(observation: Observation) throws -> Reasoning {
        let camera = try access.primaryPinhole()
        let tcp = access.controller.basePose * access.controller.tcpPose(arm: arm)
        var points = [tcp.position] + plan[min(index, plan.count - 1)...].map(\.position)
        points = Self.subsample(points, to: 5)
        let scale = SIMD2(256 / Double(camera.width), 256 / Double(camera.height))
        let trace = points.compactMap { camera.project($0)?.pixel }.map { p in
            SIMD2(min(max((p.x * scale.x).rounded(), 0), 255), min(max((p.y * scale.y).rounded(), 0), 255))
        }
        let depth = observation.images.first { $0.name == access.primaryCamera }?.depth
        let tokens = depth.flatMap { d in depthTokenizer?(d) }
        return Reasoning(depthTokens: tokens, traces: [trace])
    }

    /// At most `count` points: the first, the last, and evenly spaced ones between (MolmoAct's trace length).
    static func subsample(_ points: [SIMD3<Double>], to count: Int) -> [SIMD3<Double>] {
        guard points.count > count else { return points }
        return (0..<count).map { k in points[Int((Double(k) * Double(points.count - 1) / Double(count - 1)).rounded())] }
    }

    private func insertSteering(_ trace: [SIMD2<Double>], observation: Observation) throws {
        guard let depth = observation.images.first(where: { $0.name == access.primaryCamera })?.depth else {
            throw PlanError("steering needs the primary camera's depth image in the observation")
        }
        let camera = try access.primaryPinhole()
        let yaw = plan[min(index, plan.count - 1)].yaw
        let aperture = plan[min(index, plan.count - 1)].aperture
        var lifted: [SIMD3<Double>] = []
        for p in trace {
            let pixel = SIMD2(p.x * Double(camera.width) / 256, p.y * Double(camera.height) / 256)
            let column = min(max(Int(pixel.x), 0), depth.width - 1)
            let row = min(max(Int(pixel.y), 0), depth.height - 1)
            let surface = camera.unproject(pixel: pixel, depth: Double(depth[column, row]))
            lifted.append(surface + SIMD3(0, 0, steeringHover))
        }
        steeringWaypoints = lifted
        let steering = lifted.map { Waypoint("steer", $0, yaw: yaw, aperture: aperture) }
        plan.insert(contentsOf: steering, at: min(index, plan.count))
        holdLeft = 0
    }
}

extension ReferencePolicy: TraceFollowing {
    /// Same as `steer(with:)`.
    public func follow(trace: [SIMD2<Double>]) { steer(with: trace) }
}
