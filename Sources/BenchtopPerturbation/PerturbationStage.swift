import BenchtopCore
import BenchtopPolicy
import Foundation

/// One logged perturbation: what was changed at which query of which episode.
public struct PerturbationEvent: Codable, Sendable, Equatable {
    public var episodeSeed: UInt64
    public var query: Int
    public var tick: Int
    /// trace, depth_tokens, actions.
    public var kind: String
    public var detail: String
    enum CodingKeys: String, CodingKey {
        case episodeSeed = "episode_seed"
        case query, tick, kind, detail
    }
}

/// The stage between a policy and the robot: applies one `Perturbation` to each new chunk (its reasoning and
/// actions) and to each observation, with randomness drawn from (spec seed, episode seed, query), so the same
/// episode gets the same bits. Trace edits are shown on the chunk they replace and handed to policies that
/// follow traces (`TraceFollowing`), which follow them from the next query. Depth-token edits are shown only:
/// none of the remote protocols takes depth tokens as input (see docs/steering.md). Policies with a reasoning
/// chain (`ReasoningChain`, the Benchtop ARM) get both edits inside the chain instead, at the query itself
/// (`prepare`): the codes before the trace stage, the trace (offset, scaled, rotated) before the action stage;
/// a replacement trace is followed from that query on (steering).
public final class PerturbationStage {
    public let perturbation: Perturbation
    public let seed: UInt64
    /// The control mode's gripper channels (for flips; noise, bias and scale given as one value skip them).
    public let grippers: [GripperChannel]
    public private(set) var events: [PerturbationEvent] = []
    /// The (episode seed, query) whose trace and depth edits were made inside a reasoning chain.
    private var editedInside: (episodeSeed: UInt64, query: Int)?

    public init(_ perturbation: Perturbation, seed: UInt64, grippers: [GripperChannel]) {
        self.perturbation = perturbation
        self.seed = seed
        self.grippers = grippers
    }

    /// The stream for one (episode, query, kind).
    public func random(episodeSeed: UInt64, query: Int, kind: String) -> SeededRandom {
        SeededRandom(seed: seed ^ (episodeSeed &* 0x9E37_79B9_7F4A_7C15)).fork("\(perturbation.name)/\(kind)/\(query)")
    }

    /// Before query `query`: hands a reasoning-chain policy this query's trace and depth-token edits, which it
    /// makes between its stages (logged when made).
    public func prepare(_ chain: any ReasoningChain, query: Int, tick: Int, episodeSeed: UInt64) {
        guard perturbation.applies(toQuery: query), perturbation.trace != nil || perturbation.depthTokens != nil else {
            chain.intervene(atNextQuery: nil)
            return
        }
        editedInside = (episodeSeed, query)
        func log(_ kind: String, _ detail: String) {
            events.append(PerturbationEvent(episodeSeed: episodeSeed, query: query, tick: tick, kind: kind, detail: detail))
        }
        var intervention = ReasoningIntervention()
        if let d = perturbation.depthTokens {
            var rng = random(episodeSeed: episodeSeed, query: query, kind: "depth")
            intervention.depthTokens = { codes in
                let edited = d.apply(to: codes, random: &rng)
                log("depth_tokens", "\(zip(codes, edited).filter { $0 != $1 }.count) of \(codes.count) codes changed before the trace stage")
                return edited
            }
        }
        if let t = perturbation.trace, t.replacement != nil, let follower = chain as? any TraceFollowing {
            // A replacement is a drawn trace: steering, followed from this query on as the policy re-anchors it.
            let drawn = t.apply(to: [])
            follower.follow(trace: drawn)
            log("trace", "replaced by \(Self.format(drawn)); followed from this query on")
        } else if let t = perturbation.trace {
            intervention.trace = { trace in
                let edited = t.apply(to: trace)
                log("trace", "\(Self.format(trace)) -> \(Self.format(edited)) before the action stage")
                return edited
            }
        }
        chain.intervene(atNextQuery: intervention)
    }

    /// Edits a new chunk. `previous` is what the robot would go on with without it (see `ActionPerturbation`).
    public func perturb(_ chunk: inout ActionChunk, query: Int, tick: Int, episodeSeed: UInt64, previous: [[Double]]?, policy: any Policy) {
        guard perturbation.applies(toQuery: query) else { return }
        func log(_ kind: String, _ detail: String) {
            events.append(PerturbationEvent(episodeSeed: episodeSeed, query: query, tick: tick, kind: kind, detail: detail))
        }
        let inside = editedInside.map { $0.episodeSeed == episodeSeed && $0.query == query } ?? false
        if let t = perturbation.trace, !inside {
            let original = chunk.reasoning?.traces.first ?? []
            if !original.isEmpty || t.replacement != nil {
                let edited = t.apply(to: original)
                var r = chunk.reasoning ?? Reasoning()
                if r.traces.isEmpty { r.traces = [edited] } else { r.traces[0] = edited }
                chunk.reasoning = r
                let followed =
                    (policy as? any TraceFollowing).map {
                        $0.follow(trace: edited)
                        return true
                    } ?? false
                log(
                    "trace",
                    "\(Self.format(original)) -> \(Self.format(edited))"
                        + (followed ? "; followed from the next query" : "; shown only (the policy does not follow traces)"))
            }
        }
        if let d = perturbation.depthTokens, !inside, let codes = chunk.reasoning?.depthTokens {
            var rng = random(episodeSeed: episodeSeed, query: query, kind: "depth")
            let edited = d.apply(to: codes, random: &rng)
            chunk.reasoning?.depthTokens = edited
            log("depth_tokens", "\(zip(codes, edited).filter { $0 != $1 }.count) of \(codes.count) codes changed; shown only")
        }
        if let a = perturbation.actions {
            var rng = random(episodeSeed: episodeSeed, query: query, kind: "actions")
            let before = chunk.actions
            let effect = a.apply(to: &chunk.actions, previous: previous, grippers: grippers, random: &rng)
            var parts: [String] = []
            if effect.dropped { parts.append("chunk dropped (\(chunk.actions.count) previous actions go on)") }
            if effect.delayed > 0 { parts.append("delayed \(effect.delayed) ticks") }
            if effect.gripperFlipped { parts.append("gripper flipped") }
            let change = zip(before.joined(), chunk.actions.joined()).map { abs($0 - $1) }.max() ?? 0
            parts.append(String(format: "max change %.5g", change))
            log("actions", parts.joined(separator: ", "))
        }
    }

    /// Edits an observation (the environment calls this for every observation it makes).
    public func perturb(_ observation: inout Observation, episodeSeed: UInt64) {
        guard let o = perturbation.observation else { return }
        let base = SeededRandom(seed: seed ^ (episodeSeed &* 0x9E37_79B9_7F4A_7C15)).fork("\(perturbation.name)/observation")
        for i in observation.images.indices {
            let name = observation.images[i].name
            if let cams = o.cameras, !cams.contains(name) { continue }
            var image = observation.images[i]
            o.apply(rgb: &image.rgb, depth: &image.depth, episode: base.fork(name), observation: base.fork("\(name)@\(observation.time.bitPattern)"))
            observation.images[i] = image
        }
    }

    static func format(_ t: [SIMD2<Double>]) -> String {
        "[" + t.map { String(format: "(%.0f,%.0f)", $0.x, $0.y) }.joined(separator: " ") + "]"
    }
}
