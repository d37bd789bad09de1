import BenchtopARM
import BenchtopEval
import BenchtopExpert
import BenchtopPolicy
import BenchtopReasoning
import BenchtopRemote
import Foundation

/// Which policy to run, parsed once from `--policy` or a sweep spec's `policy:`.
public enum PolicySpec: Sendable, Equatable, CustomStringConvertible {
    /// The built-in reference policy (privileged planner with MolmoAct-style reasoning).
    case builtin
    /// `molmoact=URL`, `molmoact2=URL` or `openpi=ws://HOST:PORT` (the whole text, options included).
    case remote(String)
    /// The Benchtop ARM: `arm` (the shipped weights, path nil) or `arm=PATH`.
    case arm(path: String?)

    /// Every form `--policy` accepts, for error messages and help.
    public static let forms = "builtin, arm, arm=PATH, molmoact=URL, molmoact2=URL or openpi=ws://HOST:PORT"

    public init(parsing text: String) throws {
        if text == "builtin" {
            self = .builtin
        } else if RemotePolicyFactory.isRemote(text) {
            self = .remote(text)
        } else if ARMPolicy.isARM(text) {
            let path = text == "arm" ? nil : String(text.dropFirst(4))
            guard path != "" else { throw PolicySpecError("policy 'arm=' needs a weights file: arm=PATH") }
            self = .arm(path: path)
        } else {
            throw PolicySpecError("unknown policy '\(text)'; expected \(Self.forms)")
        }
    }

    public var description: String {
        switch self {
        case .builtin: "builtin"
        case .remote(let text): text
        case .arm(let path): path.map { "arm=\($0)" } ?? "arm"
        }
    }

    /// Whether the policy looks at rendered images (the built-in one reads the world instead).
    public var needsImages: Bool { self != .builtin }

    /// Whether one policy object may serve many environments in turn (a client of a server, the ARM's weights);
    /// the built-in policy reads one environment's world and is made per environment.
    public var isSharable: Bool { self != .builtin }
}

/// Settings every policy path understands; each applies where it means something.
public struct PolicyOptions: Sendable {
    /// Norm stats file and key for `molmoact` (the checkpoint's config.json or dataset_statistics.json).
    public var normStats: String?
    public var unnormKey: String?
    /// Actions executed per chunk (the built-in policy plans chunks of at least 8 and advances by these).
    public var actionSteps = 8
    /// Recording demonstrations: the built-in policy adds this much seeded translation noise per step (metres)
    /// and rounds actions to float32, so a dataset stores exactly what was applied. nil for evaluation.
    public var demonstrationNoise: Double?
    public var remote = RemoteSettings()

    public init(normStats: String? = nil, unnormKey: String? = nil, actionSteps: Int = 8, demonstrationNoise: Double? = nil) {
        self.normStats = normStats
        self.unnormKey = unnormKey
        self.actionSteps = actionSteps
        self.demonstrationNoise = demonstrationNoise
    }
}

/// The one place policies are made (LeRobot's `make_policy` in spirit): eval, sweeps, perturbation runs, the
/// viewer, recording and the benchmarks all call it, so every path gets the same policy for the same spec,
/// depth tokenizer included.
public enum PolicyFactory {
    public static func make(_ spec: PolicySpec, environment: TabletopEnvironment, options: PolicyOptions = PolicyOptions()) throws -> any Policy {
        switch spec {
        case .builtin:
            let executed = max(1, options.actionSteps)
            let reference = ReferencePolicy(access: environment, chunkSize: max(8, executed), executedSteps: executed)
            let tokenizer = try depthTokenizer()
            reference.depthTokenizer = { depth in (try? tokenizer.encode(depth))?.codes }
            guard let noise = options.demonstrationNoise else { return reference }
            reference.translationNoise = noise
            return Float32Actions(reference)
        case .remote(let text):
            return try RemotePolicyFactory.make(
                spec: text, normStats: options.normStats, unnormKey: options.unnormKey,
                embodiment: environment.embodiment.name, settings: options.remote)
        case .arm:
            do {
                return try ARMPolicy.make(spec: spec.description, embodiment: environment.embodiment.name, mode: environment.modeName)
            } catch let e as ARMError {
                throw PolicySpecError(e.description)
            }
        }
    }

    /// The shipped depth tokenizer, loaded once per process.
    public static func depthTokenizer() throws -> GridDepthQuantizer {
        try tokenizerCache.value()
    }

    private static let tokenizerCache = TokenizerCache()
}

/// Loads the built-in tokenizer on first use (a 32 KB file; every policy of a run shares it).
private final class TokenizerCache: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: GridDepthQuantizer?
    func value() throws -> GridDepthQuantizer {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let t = try GridDepthQuantizer.builtIn()
        loaded = t
        return t
    }
}

/// Rounds every action of a policy's chunks to float32 values (what a recording stores, so replay is exact).
public final class Float32Actions: Policy {
    public let inner: any Policy
    public var name: String { inner.name }
    public init(_ inner: any Policy) { self.inner = inner }
    public func reset(instruction: String, seed: UInt64) throws { try inner.reset(instruction: instruction, seed: seed) }
    public func act(on observation: Observation) throws -> ActionChunk {
        var chunk = try inner.act(on: observation)
        chunk.actions = chunk.actions.map { $0.map { Double(Float($0)) } }
        return chunk
    }
}
