import BenchtopCore
import BenchtopPolicy
import Foundation

/// What the runner needs from a simulated environment: observations, one control tick at a time, and the
/// task's evaluation. The tabletop implementation wraps a World, an embodiment's controller and the cameras.
public protocol Environment: AnyObject {
    /// Length of one action vector in the embodiment's control mode.
    var actionDimension: Int { get }
    /// Control ticks per second.
    var controlRate: Double { get }
    var instruction: String { get }
    /// Rebuilds the world for a seeded episode and returns the first observation.
    func reset(seed: UInt64) throws -> Observation
    func observe() throws -> Observation
    /// Applies one action and advances the physics by one control tick.
    func step(_ action: [Double]) throws -> TickInfo
    /// A digest of the whole simulated state (`WorldSnapshot.digestText`), for bit-for-bit comparisons of runs;
    /// nil when the environment has none.
    var stateDigest: String? { get }
}

extension Environment {
    public var stateDigest: String? { nil }
}

/// The outcome of one control tick.
public struct TickInfo: Sendable {
    public var time: Double
    public var success: Bool
    public var stages: [Bool]
    /// Tool centre point of the first arm (the one traces and paths are drawn for).
    public var endEffector: SIMD3<Double>
    /// Tool centre point of every arm, for path metrics (a bimanual robot's second arm moves too).
    public var endEffectors: [SIMD3<Double>]
    public var joints: [Double]
    /// New contacts between the robot and objects other than the task's targets this tick.
    public var newCollisions: Int
    /// - Parameter endEffectors: every arm's tool centre point; nil means the one arm at `endEffector`.
    public init(time: Double, success: Bool, stages: [Bool], endEffector: SIMD3<Double>, endEffectors: [SIMD3<Double>]? = nil,
                joints: [Double], newCollisions: Int = 0) {
        self.time = time; self.success = success; self.stages = stages; self.endEffector = endEffector
        self.endEffectors = endEffectors ?? [endEffector]
        self.joints = joints; self.newCollisions = newCollisions
    }
}

/// How policy inference time relates to simulated time.
public enum PolicyTiming: String, Sendable, CaseIterable {
    /// The simulation waits for the policy (the usual benchmark setting).
    case paused
    /// The arm keeps executing the previous chunk while the policy thinks, for as many whole ticks as its
    /// wall-clock latency covers (holding the last action if the chunk runs out); the new chunk then starts
    /// at the action for the current tick. The first query of an episode is waited for: nothing moves yet.
    case realTime = "real-time"
}

/// Runner settings.
public struct RunnerSettings: Sendable {
    /// Maximum control ticks per episode.
    public var horizon: Int
    /// Actions executed from each chunk before the policy is asked again (openpi's replan_steps).
    public var actionSteps: Int
    public var timing: PolicyTiming
    public var stopOnSuccess: Bool
    public init(horizon: Int, actionSteps: Int = 8, timing: PolicyTiming = .paused, stopOnSuccess: Bool = true) {
        self.horizon = horizon; self.actionSteps = actionSteps; self.timing = timing; self.stopOnSuccess = stopOnSuccess
    }
}

/// How an episode ended.
public enum EpisodeOutcome: Sendable, Equatable {
    case success
    case timeout
    case policyError(String)
    case physicsError(String)
    /// The policy declined the task at reset (the reason is in the report and on the console).
    case unsupportedTask(String)

    public var label: String {
        switch self {
        case .success: "success"
        case .timeout: "timeout"
        case .policyError: "policy_error"
        case .physicsError: "physics_error"
        case .unsupportedTask: "unsupported_task"
        }
    }
}

/// Receives the episode as it runs: recorders, viewers, video writers and metrics are subscribers.
public protocol EpisodeSubscriber: AnyObject {
    func episodeDidReset(seed: UInt64, observation: Observation)
    /// Called after each tick with the observation the action was chosen on, the action, and the chunk's
    /// reasoning when this tick started a new chunk.
    func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo)
    func episodeDidEnd(_ result: EpisodeResult)
}

/// Subscribers that also want each new chunk whole (after any chunk transform): reasoning panels plot the
/// chunk's actions, not only the executed ones.
public protocol ChunkObserving: EpisodeSubscriber {
    func episodeDidReceive(_ chunk: ActionChunk, context: ChunkContext)
}

/// Everything measured in one episode.
public struct EpisodeResult: Sendable {
    public var seed: UInt64
    public var outcome: EpisodeOutcome
    public var successAtEnd: Bool
    public var successAnyTime: Bool
    public var progression: Double
    public var ticks: Int
    /// Simulated seconds to the first success.
    public var completionTime: Double?
    public var cartesianPathLength: Double
    public var jointPathLength: Double
    public var meanJerk: Double
    public var rmsJerk: Double
    public var collisions: Int
    /// Wall-clock seconds of each policy query.
    public var latencies: [Double]
    /// Policy queries whose output was rejected (NaN, wrong shape) or failed, plus bad answers the policy
    /// recovered from (reported through `RecoveredErrorReporting`).
    public var policyErrors: Int
    /// Digest of the world state when the episode ended (`Environment.stateDigest`): equal digests, equal bits.
    public var finalStateDigest: String?

    public init(seed: UInt64, outcome: EpisodeOutcome, successAtEnd: Bool, successAnyTime: Bool, progression: Double, ticks: Int,
                completionTime: Double?, cartesianPathLength: Double, jointPathLength: Double, meanJerk: Double, rmsJerk: Double,
                collisions: Int, latencies: [Double], policyErrors: Int) {
        self.seed = seed; self.outcome = outcome; self.successAtEnd = successAtEnd; self.successAnyTime = successAnyTime
        self.progression = progression; self.ticks = ticks; self.completionTime = completionTime
        self.cartesianPathLength = cartesianPathLength; self.jointPathLength = jointPathLength; self.meanJerk = meanJerk
        self.rmsJerk = rmsJerk; self.collisions = collisions; self.latencies = latencies; self.policyErrors = policyErrors
    }
}

/// Where a new chunk stands in its episode, for stages between the policy and the robot.
public struct ChunkContext {
    /// Policy queries before this one in the episode (0 = the first).
    public var query: Int
    /// Ticks executed so far.
    public var tick: Int
    public var episodeSeed: UInt64
    /// The observation the chunk was chosen on.
    public var observation: Observation
    /// What the robot would do without this chunk: the previous chunk's unexecuted actions, then its last
    /// executed action; nil at the first query.
    public var previous: [[Double]]?
}

/// Runs episodes: reset with a seed, then each tick observe, ask the policy (or take the rest of the current
/// chunk), apply the action, step, evaluate. Never crashes on a bad policy or a physics blow-up: the episode
/// ends with that outcome and the run goes on.
public final class EpisodeRunner {
    public let environment: any Environment
    public let policy: any Policy
    public var settings: RunnerSettings
    public var subscribers: [any EpisodeSubscriber] = []
    /// Wall clock for latency; replaceable so timing tests need not sleep.
    public var clock: () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
    /// A stage between policy and robot (perturbations, steering): edits each new chunk before it runs. The
    /// edited chunk is validated again and is what subscribers see.
    public var chunkTransform: ((inout ActionChunk, ChunkContext) -> Void)?

    public init(environment: any Environment, policy: any Policy, settings: RunnerSettings) {
        self.environment = environment; self.policy = policy; self.settings = settings
    }

    public func run(seed: UInt64, task stages: [String]) -> EpisodeResult {
        var progress = TaskProgress(stageNames: stages)
        var metrics = TrajectoryMetrics(sampleInterval: 1 / environment.controlRate)
        var latencies: [Double] = []
        var collisions = 0
        var ticks = 0
        var recoveredErrors = 0
        var outcome = EpisodeOutcome.timeout
        var lastAction: [Double]?
        func finish() -> EpisodeResult {
            var r = EpisodeResult(seed: seed, outcome: outcome, successAtEnd: progress.succeededNow, successAnyTime: progress.succeededAtAnyTime,
                                  progression: progress.progression, ticks: ticks, completionTime: progress.firstSuccessTime,
                                  cartesianPathLength: metrics.cartesianPathLength, jointPathLength: metrics.jointPathLength,
                                  meanJerk: metrics.meanJerk, rmsJerk: metrics.rmsJerk, collisions: collisions, latencies: latencies,
                                  policyErrors: recoveredErrors + (outcome.label == "policy_error" ? 1 : 0))
            r.finalStateDigest = environment.stateDigest
            subscribers.forEach { $0.episodeDidEnd(r) }
            return r
        }
        var observation: Observation
        do {
            observation = try environment.reset(seed: seed)
            try policy.reset(instruction: environment.instruction, seed: seed)
        } catch {
            if let unsupported = error as? UnsupportedTask {
                outcome = .unsupportedTask(unsupported.reason)
                FileHandle.standardError.write(Data("episode seed \(seed): \(unsupported)\n".utf8))
            } else {
                outcome = error is PolicyError ? .policyError("\(error)") : .physicsError("reset failed: \(error)")
            }
            return finish()
        }
        subscribers.forEach { $0.episodeDidReset(seed: seed, observation: observation) }

        var queue: [[Double]] = []          // actions still to execute from the current chunk
        var remainder: [[Double]] = []      // the chunk's actions beyond the executed part (real-time mode)
        var pendingReasoning: Reasoning?
        var queries = 0
        while ticks < settings.horizon {
            if queue.isEmpty {
                let started = clock()
                var chunk: ActionChunk
                do {
                    chunk = try policy.act(on: observation)
                    try validate(chunk)
                    if let chunkTransform {
                        let previous = lastAction.map { remainder + [$0] }
                        chunkTransform(&chunk, ChunkContext(query: queries, tick: ticks, episodeSeed: seed, observation: observation, previous: previous))
                        try validate(chunk)
                    }
                    let context = ChunkContext(query: queries, tick: ticks, episodeSeed: seed, observation: observation,
                                               previous: lastAction.map { remainder + [$0] })
                    for case let s as any ChunkObserving in subscribers { s.episodeDidReceive(chunk, context: context) }
                    queries += 1
                } catch {
                    outcome = .policyError("\(error)")
                    return finish()
                }
                let latency = clock() - started
                latencies.append(latency)
                if let reporting = policy as? any RecoveredErrorReporting { recoveredErrors += reporting.takeRecoveredErrors().count }
                var skip = 0
                if settings.timing == .realTime, lastAction != nil {
                    // While the policy thought, the arm went on with the previous chunk (holding its last action
                    // once that ran out); the new chunk's first actions belong to those ticks and are stale.
                    let delayTicks = Int((latency * environment.controlRate + 1e-9).rounded(.down))
                    for _ in 0..<delayTicks where ticks < settings.horizon {
                        let action = remainder.isEmpty ? lastAction! : remainder.removeFirst()
                        if !tick(action, observation: &observation, reasoning: nil, progress: &progress, metrics: &metrics,
                                 collisions: &collisions, ticks: &ticks, outcome: &outcome, lastAction: &lastAction) { return finish() }
                        if outcome == .success { return finish() }
                    }
                    skip = min(delayTicks, chunk.actions.count - 1)
                }
                let steps = max(1, settings.actionSteps)
                queue = Array(chunk.actions.dropFirst(skip).prefix(steps))
                remainder = Array(chunk.actions.dropFirst(skip + steps))
                pendingReasoning = chunk.reasoning
                if ticks >= settings.horizon { break }
            }
            let action = queue.removeFirst()
            if !tick(action, observation: &observation, reasoning: pendingReasoning, progress: &progress, metrics: &metrics,
                     collisions: &collisions, ticks: &ticks, outcome: &outcome, lastAction: &lastAction) { return finish() }
            pendingReasoning = nil
            if outcome == .success { return finish() }
        }
        return finish()
    }

    /// Applies one action; false when the episode must end on an error.
    private func tick(_ action: [Double], observation: inout Observation, reasoning: Reasoning?, progress: inout TaskProgress,
                      metrics: inout TrajectoryMetrics, collisions: inout Int, ticks: inout Int, outcome: inout EpisodeOutcome,
                      lastAction: inout [Double]?) -> Bool {
        let info: TickInfo
        do {
            info = try environment.step(action)
            ticks += 1
            lastAction = action
            progress.record(success: info.success, stages: info.stages, time: info.time)
            metrics.record(endEffectors: info.endEffectors, joints: info.joints)
            collisions += info.newCollisions
            let seen = observation
            subscribers.forEach { $0.episodeDidTick(index: ticks - 1, observation: seen, action: action, reasoning: reasoning, info: info) }
            if info.success && settings.stopOnSuccess { outcome = .success; return true }
            if ticks < settings.horizon { observation = try environment.observe() }
            if ticks >= settings.horizon && progress.succeededNow { outcome = .success }
        } catch {
            outcome = .physicsError("\(error)")
            return false
        }
        return true
    }

    private func validate(_ chunk: ActionChunk) throws {
        guard !chunk.actions.isEmpty else { throw PolicyError.invalidAction("the chunk holds no action") }
        for (i, a) in chunk.actions.enumerated() {
            guard a.count == environment.actionDimension else {
                throw PolicyError.invalidAction("action \(i) has \(a.count) values; the control mode expects \(environment.actionDimension)")
            }
            if let bad = a.firstIndex(where: { !$0.isFinite }) {
                throw PolicyError.invalidAction("action \(i) value \(bad) is \(a[bad])")
            }
        }
    }
}
