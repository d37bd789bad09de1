import Foundation

/// Aggregates of an evaluation run.
public struct RunSummary: Sendable {
    public var episodes: Int
    public var successes: Int
    public var successRate: Double
    /// Bayesian 95% interval of the success rate.
    public var successInterval: ClosedRange<Double>
    public var successAnyTimeRate: Double
    public var meanProgression: Double
    public var meanTicks: Double
    public var meanCompletionTime: Double?
    public var meanCartesianPathLength: Double
    public var meanJointPathLength: Double
    public var meanJerk: Double
    public var meanRMSJerk: Double
    public var meanCollisions: Double
    public var latencyP50: Double?
    public var latencyP90: Double?
    public var latencyP99: Double?
    /// Episodes per outcome label (success, timeout, policy_error, physics_error).
    public var outcomes: [String: Int]
    /// Policy problems over all episodes, by category (`action`, `depth`, `trace`, `server`, `timeout`, ...).
    public var policyErrorFields: [String: Int]
    /// Episodes with at least one policy problem (ended by one or recovered from).
    public var episodesWithPolicyErrors: Int
    /// The first policy problem messages of the run, "episode k: message", at most `keptPolicyErrorMessages`.
    public var firstPolicyErrorMessages: [String]

    public init(_ results: [EpisodeResult]) {
        let n = results.count
        let s = results.filter(\.successAtEnd).count
        func mean(_ f: (EpisodeResult) -> Double) -> Double { Statistics.mean(results.map(f)) ?? 0 }
        episodes = n
        successes = s
        successRate = n == 0 ? 0 : Double(s) / Double(n)
        successInterval = Statistics.successInterval(successes: s, failures: n - s)
        successAnyTimeRate = n == 0 ? 0 : Double(results.filter(\.successAnyTime).count) / Double(n)
        meanProgression = mean(\.progression)
        meanTicks = mean { Double($0.ticks) }
        meanCompletionTime = Statistics.mean(results.compactMap(\.completionTime))
        meanCartesianPathLength = mean(\.cartesianPathLength)
        meanJointPathLength = mean(\.jointPathLength)
        meanJerk = mean(\.meanJerk)
        meanRMSJerk = mean(\.rmsJerk)
        meanCollisions = mean { Double($0.collisions) }
        let latencies = results.flatMap(\.latencies)
        latencyP50 = Statistics.percentile(latencies, 50)
        latencyP90 = Statistics.percentile(latencies, 90)
        latencyP99 = Statistics.percentile(latencies, 99)
        outcomes = Dictionary(grouping: results, by: \.outcome.label).mapValues(\.count)
        var fields: [String: Int] = [:]
        var messages: [String] = []
        for (k, r) in results.enumerated() {
            fields.merge(r.policyErrorFields, uniquingKeysWith: +)
            for m in r.policyErrorMessages where messages.count < EpisodeResult.keptPolicyErrorMessages { messages.append("episode \(k): \(m)") }
        }
        policyErrorFields = fields
        episodesWithPolicyErrors = results.filter { !$0.policyErrorFields.isEmpty || $0.policyErrors > 0 }.count
        firstPolicyErrorMessages = messages
    }

    /// Episodes that reached a task outcome (success or timeout) rather than ending on a policy or physics error.
    public var episodesWithTaskOutcome: Int { (outcomes["success"] ?? 0) + (outcomes["timeout"] ?? 0) }

    /// The reason a run must exit non-zero: episodes ran but none reached a task outcome (a server that is down, a
    /// mistyped host, a policy whose every answer fails). Nil when at least one episode did.
    public var noTaskOutcomeFailure: String? {
        guard episodes > 0, episodesWithTaskOutcome == 0 else { return nil }
        let why = outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let first = firstPolicyErrorMessages.first.map { "; first error: \($0)" } ?? ""
        return "no episode reached a task outcome (\(why))\(first)"
    }

    /// Console lines about policy problems (none when there were none): counts per category and the first messages.
    public var policyErrorLines: [String] {
        guard !policyErrorFields.isEmpty else { return [] }
        let counts = policyErrorFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return ["policy errors in \(episodesWithPolicyErrors)/\(episodes) episodes: \(counts)"]
            + firstPolicyErrorMessages.map { "  \(String($0.prefix(300)))" }
    }
}
