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
    public init(
        time: Double, success: Bool, stages: [Bool], endEffector: SIMD3<Double>, endEffectors: [SIMD3<Double>]? = nil,
        joints: [Double], newCollisions: Int = 0
    ) {
        self.time = time
        self.success = success
        self.stages = stages
        self.endEffector = endEffector
        self.endEffectors = endEffectors ?? [endEffector]
        self.joints = joints
        self.newCollisions = newCollisions
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
        self.horizon = horizon
        self.actionSteps = actionSteps
        self.timing = timing
        self.stopOnSuccess = stopOnSuccess
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

    public var isPolicyError: Bool {
        if case .policyError = self { return true }
        return false
    }

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
    /// Every policy problem of the episode by category (`action`, `depth`, `trace`, `server`, `timeout`, ...): the
    /// errors above plus problems in answers that did not change the actions (a malformed depth string or trace).
    public var policyErrorFields: [String: Int]
    /// The first few of those problems' messages, in order.
    public var policyErrorMessages: [String]

    /// Messages kept per episode.
    public static let keptPolicyErrorMessages = 5
    /// Digest of the world state when the episode ended (`Environment.stateDigest`): equal digests, equal bits.
    public var finalStateDigest: String?
    /// A person steered the policy with a drawn trace during the episode (`eval --view`).
    public var steered = false

    public init(
        seed: UInt64, outcome: EpisodeOutcome, successAtEnd: Bool, successAnyTime: Bool, progression: Double, ticks: Int,
        completionTime: Double?, cartesianPathLength: Double, jointPathLength: Double, meanJerk: Double, rmsJerk: Double,
        collisions: Int, latencies: [Double], policyErrors: Int, policyErrorFields: [String: Int] = [:],
        policyErrorMessages: [String] = []
    ) {
        self.seed = seed
        self.outcome = outcome
        self.successAtEnd = successAtEnd
        self.successAnyTime = successAnyTime
        self.progression = progression
        self.ticks = ticks
        self.completionTime = completionTime
        self.cartesianPathLength = cartesianPathLength
        self.jointPathLength = jointPathLength
        self.meanJerk = meanJerk
        self.rmsJerk = rmsJerk
        self.collisions = collisions
        self.latencies = latencies
        self.policyErrors = policyErrors
        self.policyErrorFields = policyErrorFields
        self.policyErrorMessages = policyErrorMessages
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

/// A stage between the policy and the robot (a handler in swift-nio's ChannelPipeline): each new chunk passes
/// through the runner's stages in order (perturbations, then whatever follows) after it was validated; what
/// the last stage leaves is what runs and what subscribers see. Stages keep chunks valid (same length of
/// action, finite values): the policy's answer is the one place a chunk is checked.
public protocol ChunkStage: AnyObject {
    /// Before the policy is queried for the chunk `context` describes: stages that act inside a policy's
    /// reasoning chain (`ReasoningChain`) hand it their edits here. Does nothing by default.
    func prepare(_ context: ChunkContext)
    func process(_ chunk: inout ActionChunk, context: ChunkContext)
}

extension ChunkStage {
    public func prepare(_ context: ChunkContext) {}
}

/// Everything an episode accumulates while it runs, as one value.
struct EpisodeState {
    var observation: Observation
    var progress: TaskProgress
    var metrics: TrajectoryMetrics
    var latencies: [Double] = []
    var collisions = 0
    var ticks = 0
    var queries = 0
    var recoveredErrors = 0
    var outcome = EpisodeOutcome.timeout
    /// The policy error that ended the episode, when one did.
    var endingError: PolicyError?
    /// Policy problems by category and the first few messages (`EpisodeResult.policyErrorFields`).
    var errorFields: [String: Int] = [:]
    var errorMessages: [String] = []
    /// The last action applied, and the current chunk's actions beyond the executed part (real-time mode).
    var lastAction: [Double]?
    var remainder: [[Double]] = []

    /// What the robot would go on with without a new chunk (see `ChunkContext.previous`).
    var previous: [[Double]]? { lastAction.map { remainder + [$0] } }

    /// Counts policy problems by category and keeps the first messages.
    mutating func note(_ errors: [PolicyError]) {
        for e in errors {
            errorFields[e.category, default: 0] += 1
            if errorMessages.count < EpisodeResult.keptPolicyErrorMessages { errorMessages.append(e.description) }
        }
    }

    /// Ends the episode on a policy failure.
    mutating func fail(with error: Error) {
        endingError = error as? PolicyError
        outcome = .policyError("\(error)")
    }

    func result(seed: UInt64, finalStateDigest: String?) -> EpisodeResult {
        var state = self
        if case .policyError(let message) = outcome { state.note([endingError ?? .server(message)]) }
        var r = EpisodeResult(
            seed: seed, outcome: outcome, successAtEnd: progress.succeededNow, successAnyTime: progress.succeededAtAnyTime,
            progression: progress.progression, ticks: ticks, completionTime: progress.firstSuccessTime,
            cartesianPathLength: metrics.cartesianPathLength, jointPathLength: metrics.jointPathLength,
            meanJerk: metrics.meanJerk, rmsJerk: metrics.rmsJerk, collisions: collisions, latencies: latencies,
            policyErrors: recoveredErrors + (outcome.isPolicyError ? 1 : 0),
            policyErrorFields: state.errorFields, policyErrorMessages: state.errorMessages)
        r.finalStateDigest = finalStateDigest
        return r
    }
}

/// Runs episodes: reset with a seed, then each tick observe, ask the policy (or take the rest of the current
/// chunk), pass a new chunk through the stages, apply the action, step, evaluate. Never crashes on a bad
/// policy or a physics blow-up: the episode ends with that outcome and the run goes on.
public final class EpisodeRunner {
    public let environment: any Environment
    public let policy: any Policy
    public var settings: RunnerSettings
    public var subscribers: [any EpisodeSubscriber] = []
    /// The stages between policy and robot, in order (perturbations and the like).
    public var stages: [any ChunkStage] = []
    /// Wall clock for latency; replaceable so timing tests need not sleep.
    public var clock: () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    public init(environment: any Environment, policy: any Policy, settings: RunnerSettings) {
        self.environment = environment
        self.policy = policy
        self.settings = settings
    }

    public func run(seed: UInt64, task stageNames: [String]) -> EpisodeResult {
        let progress = TaskProgress(stageNames: stageNames)
        let metrics = TrajectoryMetrics(sampleInterval: 1 / environment.controlRate)
        func finish(_ state: EpisodeState) -> EpisodeResult {
            let r = state.result(seed: seed, finalStateDigest: environment.stateDigest)
            subscribers.forEach { $0.episodeDidEnd(r) }
            return r
        }
        var state: EpisodeState
        do {
            state = EpisodeState(observation: try environment.reset(seed: seed), progress: progress, metrics: metrics)
            try policy.reset(instruction: environment.instruction, seed: seed)
        } catch {
            let empty = Observation(images: [], state: [], instruction: environment.instruction, time: 0)
            state = EpisodeState(observation: empty, progress: progress, metrics: metrics)
            if let unsupported = error as? UnsupportedTask {
                state.outcome = .unsupportedTask(unsupported.reason)
                FileHandle.standardError.write(Data("episode seed \(seed): \(unsupported)\n".utf8))
            } else if error is PolicyError {
                state.fail(with: error)
            } else {
                state.outcome = .physicsError(error is SceneProblem ? "scene problem at reset: \(error)" : "reset failed: \(error)")
            }
            return finish(state)
        }
        let first = state.observation
        subscribers.forEach { $0.episodeDidReset(seed: seed, observation: first) }

        var queue: [[Double]] = []  // actions still to execute from the current chunk
        var pendingReasoning: Reasoning?
        while state.ticks < settings.horizon {
            if queue.isEmpty {
                let started = clock()
                let chunk: ActionChunk
                do { chunk = try nextChunk(&state, seed: seed) } catch {
                    collectRecovered(&state)
                    state.fail(with: error)
                    return finish(state)
                }
                let latency = clock() - started
                state.latencies.append(latency)
                collectRecovered(&state)
                var skip = 0
                if settings.timing == .realTime, let last = state.lastAction {
                    // While the policy thought, the arm went on with the previous chunk (holding its last action
                    // once that ran out); the new chunk's first actions belong to those ticks and are stale.
                    let delayTicks = Int((latency * environment.controlRate + 1e-9).rounded(.down))
                    for _ in 0..<delayTicks where state.ticks < settings.horizon {
                        let action = state.remainder.isEmpty ? (state.lastAction ?? last) : state.remainder.removeFirst()
                        if !tick(action, reasoning: nil, &state) || state.outcome == .success { return finish(state) }
                    }
                    skip = min(delayTicks, chunk.actions.count - 1)
                }
                let steps = max(1, settings.actionSteps)
                queue = Array(chunk.actions.dropFirst(skip).prefix(steps))
                state.remainder = Array(chunk.actions.dropFirst(skip + steps))
                pendingReasoning = chunk.reasoning
                if state.ticks >= settings.horizon { break }
            }
            let action = queue.removeFirst()
            if !tick(action, reasoning: pendingReasoning, &state) { return finish(state) }
            pendingReasoning = nil
            if state.outcome == .success { return finish(state) }
        }
        return finish(state)
    }

    /// Asks the policy, checks its answer once, and passes it through the stages; chunk observers see the result.
    private func nextChunk(_ state: inout EpisodeState, seed: UInt64) throws -> ActionChunk {
        let context = ChunkContext(
            query: state.queries, tick: state.ticks, episodeSeed: seed, observation: state.observation,
            previous: state.previous)
        for stage in stages { stage.prepare(context) }
        var chunk = try policy.act(on: state.observation)
        try validate(chunk)
        for stage in stages { stage.process(&chunk, context: context) }
        for case let s as any ChunkObserving in subscribers { s.episodeDidReceive(chunk, context: context) }
        state.queries += 1
        return chunk
    }

    /// Applies one action; false when the episode must end on an error.
    private func tick(_ action: [Double], reasoning: Reasoning?, _ state: inout EpisodeState) -> Bool {
        let info: TickInfo
        do {
            info = try environment.step(action)
            state.ticks += 1
            state.lastAction = action
            state.progress.record(success: info.success, stages: info.stages, time: info.time)
            state.metrics.record(endEffectors: info.endEffectors, joints: info.joints)
            state.collisions += info.newCollisions
            let seen = state.observation
            let index = state.ticks - 1
            subscribers.forEach { $0.episodeDidTick(index: index, observation: seen, action: action, reasoning: reasoning, info: info) }
            if info.success && settings.stopOnSuccess {
                state.outcome = .success
                return true
            }
            if state.ticks < settings.horizon { state.observation = try environment.observe() }
            if state.ticks >= settings.horizon && state.progress.succeededNow { state.outcome = .success }
        } catch {
            state.outcome = .physicsError("\(error)")
            return false
        }
        return true
    }

    /// Counts the bad answers a policy recovered from, and warnings about parts of answers that did not drive actions.
    private func collectRecovered(_ state: inout EpisodeState) {
        guard let reporting = policy as? any RecoveredErrorReporting else { return }
        let errors = reporting.takeRecoveredErrors()
        state.recoveredErrors += errors.count
        state.note(errors + reporting.takeOutputWarnings())
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
