import BenchtopScene

/// Tracks success and stage progression through an episode.
///
/// Success is reported both at the end and at any time (SimplerEnv's two readings). Progression is the
/// fraction of stages reached in order, each counted once reached (MolmoAct-style partial credit); a task
/// without stages progresses 0 or 1 by its success.
public struct TaskProgress: Sendable {
    public let stageNames: [String]
    public private(set) var stagesReached = 0
    public private(set) var succeededAtAnyTime = false
    public private(set) var succeededNow = false
    /// Simulated time of the first success, seconds.
    public private(set) var firstSuccessTime: Double?

    public init(task: TaskSpec) { stageNames = task.stages.map(\.name) }

    public init(stageNames: [String]) { self.stageNames = stageNames }

    /// Records one tick's evaluation: success now, and for each stage whether its predicate holds now.
    public mutating func record(success: Bool, stages: [Bool], time: Double) {
        succeededNow = success
        if success && !succeededAtAnyTime {
            succeededAtAnyTime = true
            firstSuccessTime = time
        }
        while stagesReached < min(stages.count, stageNames.count) && stages[stagesReached] { stagesReached += 1 }
        if success { stagesReached = stageNames.count }  // success implies every milestone
    }

    /// Progression in 0 ... 1.
    public var progression: Double {
        stageNames.isEmpty ? (succeededAtAnyTime ? 1 : 0) : Double(stagesReached) / Double(stageNames.count)
    }
}
