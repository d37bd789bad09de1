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
    }
}
