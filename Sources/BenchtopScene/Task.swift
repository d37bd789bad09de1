/// The task of a scene: what to say to the policy and how to tell it succeeded.
public struct TaskSpec: Sendable, Hashable {
    public var instruction: String
    public var success: TaskPredicate
    /// Ordered milestones for task-progression scores (MolmoAct-style partial credit).
    public var stages: [TaskStage]
    /// Episode horizon in seconds of simulated time.
    public var timeLimit: Double
    public init(instruction: String, success: TaskPredicate, stages: [TaskStage] = [], timeLimit: Double = 20) {
        self.instruction = instruction
        self.success = success
        self.stages = stages
        self.timeLimit = timeLimit
    }
}

/// A named milestone.
public struct TaskStage: Sendable, Hashable {
    public var name: String
    public var predicate: TaskPredicate
    public init(name: String, predicate: TaskPredicate) {
        self.name = name
        self.predicate = predicate
    }
}

/// A success predicate over the world state, declared in the scene.
public indirect enum TaskPredicate: Sendable, Hashable {
    /// The object's centre is at least `height` above its resting height on the table.
    case lifted(object: String, height: Double)
    /// `object` rests on `target`: in contact, above it, and its centre within `tolerance` in xy.
    case on(object: String, target: String, tolerance: Double)
    /// `object`'s centre is inside `container`'s volume.
    case inside(object: String, container: String)
    /// `object` is within `distance` (xy) of another object or a fixed point.
    case near(object: String, target: NearTarget, distance: Double)
    /// The object's local z is within `tolerance` radians of world up.
    case upright(object: String, tolerance: Double)
    /// The object is held by a gripper (contacts on two fingers, off the table).
    case grasped(object: String)
    /// A movable joint of an articulated object (`asset: urdf`) lies in `range`: its position (metres or radians), or
    /// its open fraction (0 at the lower limit, 1 at the upper).
    case joint(object: String, joint: String, measure: JointMeasure, range: ClosedRange<Double>)
    case all([TaskPredicate])
    case any([TaskPredicate])
    case not(TaskPredicate)

    /// Every object name the predicate refers to.
    public var objectNames: [String] {
        switch self {
        case .joint(let o, _, _, _): return [o]
        case .lifted(let o, _), .upright(let o, _), .grasped(let o), .inside(let o, _):
            if case .inside(_, let c) = self { return [o, c] }
            return [o]
        case .on(let o, let t, _): return [o, t]
        case .near(let o, let t, _):
            if case .object(let n) = t { return [o, n] }
            return [o]
        case .all(let ps), .any(let ps): return ps.flatMap(\.objectNames)
        case .not(let p): return p.objectNames
        }
    }
}

/// What a joint predicate measures.
public enum JointMeasure: String, Sendable, Hashable {
    case position
    case openFraction
}

/// What `near` measures against.
public enum NearTarget: Sendable, Hashable {
    case object(String)
    case point(SIMD2<Double>)
}
