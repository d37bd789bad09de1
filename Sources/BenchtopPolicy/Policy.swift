import BenchtopCore

/// One camera's picture in an observation.
public struct CameraImage: Sendable {
    public var name: String
    public var rgb: RGBImage
    /// Metric depth, when the environment renders it (privileged policies, depth tokens).
    public var depth: DepthImage?
    public init(name: String, rgb: RGBImage, depth: DepthImage? = nil) {
        self.name = name
        self.rgb = rgb
        self.depth = depth
    }
}

/// What a policy sees at one tick.
public struct Observation: Sendable {
    /// Camera images in the embodiment's order (primary first).
    public var images: [CameraImage]
    /// The robot state vector in the embodiment's state convention.
    public var state: [Double]
    public var instruction: String
    /// Simulated time, seconds.
    public var time: Double
    public init(images: [CameraImage], state: [Double], instruction: String, time: Double) {
        self.images = images
        self.state = state
        self.instruction = instruction
        self.time = time
    }
}

/// The decodable middle of an action reasoning model.
public struct Reasoning: Sendable, Hashable {
    /// 100 depth codes in 0 ..< 128 (10 x 10, row-major), when predicted.
    public var depthTokens: [Int]?
    /// One visual trace per arm: up to 5 points in 0 ... 255 image coordinates of the primary camera.
    public var traces: [[SIMD2<Double>]]
    /// The model's raw text output, when it has one.
    public var text: String?
    public init(depthTokens: [Int]? = nil, traces: [[SIMD2<Double>]] = [], text: String? = nil) {
        self.depthTokens = depthTokens
        self.traces = traces
        self.text = text
    }
}

/// A policy's answer: one or more actions in the embodiment's control mode, and optionally its reasoning.
public struct ActionChunk: Sendable {
    public var actions: [[Double]]
    public var reasoning: Reasoning?
    public init(actions: [[Double]], reasoning: Reasoning? = nil) {
        self.actions = actions
        self.reasoning = reasoning
    }
}

/// Maps observations to action chunks. Reset at the start of every episode.
public protocol Policy: AnyObject {
    /// A short name for reports.
    var name: String { get }
    func reset(instruction: String, seed: UInt64) throws
    func act(on observation: Observation) throws -> ActionChunk
}

/// Failures of a policy, reported per episode.
public enum PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidAction(String)
    case server(String)
    case timeout(String)
    case malformedOutput(field: String, detail: String)

    public var description: String {
        switch self {
        case .invalidAction(let s): "invalid action: \(s)"
        case .server(let s): "server error: \(s)"
        case .timeout(let s): "timeout: \(s)"
        case .malformedOutput(let field, let detail): "malformed output in \(field): \(detail)"
        }
    }

    /// The bucket reports count this error in: the answer's top-level field for malformed output (`action`,
    /// `depth`, `trace`, `response`, ...), else the kind (`server`, `timeout`, `invalid_action`).
    public var category: String {
        switch self {
        case .invalidAction: "invalid_action"
        case .server: "server"
        case .timeout: "timeout"
        case .malformedOutput(let field, _):
            String(field.prefix { $0 != "[" && $0 != "." && $0 != "(" }).lowercased()
        }
    }
}

/// A policy that cannot carry out the episode's task says so at reset; the episode ends at once with the outcome
/// `unsupported_task` and this reason, instead of failing later in some other way.
public struct UnsupportedTask: Error, CustomStringConvertible, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "unsupported task: \(reason)" }
}

/// Policies that recover from some bad answers (e.g. MolmoAct's zero action on a parse failure) report what they
/// recovered from, so the evaluation can count the errors although the episode went on.
public protocol RecoveredErrorReporting: AnyObject {
    /// Errors recovered from since the last call (answers whose actions were replaced); the list is cleared.
    func takeRecoveredErrors() -> [PolicyError]
    /// Problems in parts of answers that did not change the actions (depth, trace), since the last call.
    func takeOutputWarnings() -> [PolicyError]
}

extension RecoveredErrorReporting {
    public func takeOutputWarnings() -> [PolicyError] { [] }
}

/// Policies that can be steered by a visual trace (points in 0 ... 255 coordinates of the primary image): the
/// built-in policy lifts it to 3D and follows it; MolmoAct sends it drawn on the image with its steering prompt.
/// Perturbation stages and the viewer's mouse steering reach the policy through this.
public protocol TraceFollowing: AnyObject {
    /// Follow `trace` from the next query on.
    func follow(trace: [SIMD2<Double>])
}

/// Edits made inside a policy's reasoning chain at one query: depth tokens after the perception stage and
/// before the trace stage, the trace after the trace stage and before the action stage, so an edit propagates
/// down the chain (the executed actions come from the edited reasoning).
public struct ReasoningIntervention {
    /// Returns the codes the trace stage sees, given the predicted ones (100, row-major, 0 ..< 128).
    public var depthTokens: (([Int]) -> [Int])?
    /// Returns the trace the action stage sees, given the one it would see (0 ... 255 primary-image coordinates).
    public var trace: (([SIMD2<Double>]) -> [SIMD2<Double>])?
    public init(depthTokens: (([Int]) -> [Int])? = nil, trace: (([SIMD2<Double>]) -> [SIMD2<Double>])? = nil) {
        self.depthTokens = depthTokens
        self.trace = trace
    }
}

/// Policies whose actions come from their own reasoning chain (depth tokens -> trace -> actions), such as the
/// Benchtop ARM. Perturbation stages reach inside the chain through this instead of editing the chunk afterwards.
public protocol ReasoningChain: AnyObject {
    /// Applies `intervention` at the next query only (nil: none).
    func intervene(atNextQuery intervention: ReasoningIntervention?)
}
