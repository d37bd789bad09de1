import ArgumentParser
import BenchtopRemote

/// `--policy-timeout` and friends: how remote policy clients treat a slow or failing server, for the whole run. The
/// same options in a policy's URL (`?timeout=120&retries=3`) override these.
struct RemotePolicyOptions: ParsableArguments {
    @Option(help: "Remote policies: seconds allowed for one query.")
    var policyTimeout: Double = RemoteSettings().timeout

    @Option(help: "Remote policies: seconds allowed for queries until the server has answered one (model warm-up).")
    var policyFirstTimeout: Double = RemoteSettings().firstCallTimeout

    @Option(help: "Remote policies: extra attempts after a refused or dropped connection or an HTTP 502/503/504.")
    var policyRetries: Int = RemoteSettings().retries

    @Option(help: "Remote policies: seconds before the first retry (doubled per retry, at most 1 s).")
    var policyRetryDelay: Double = RemoteSettings().retryDelay

    @Option(help: "Remote policies: once the server has answered, seconds to keep reconnecting through a server restart.")
    var policyReconnect: Double = RemoteSettings().reconnectBudget

    @Option(help: "Remote policies: largest answer accepted, MiB.")
    var policyMaxResponseMb: Double = Double(RemoteSettings().maxResponseBytes) / 1_048_576

    /// The options set to other than their defaults (they apply to remote policies only).
    var given: [(flag: String, set: Bool)] {
        let d = RemoteSettings()
        return [
            ("--policy-timeout", policyTimeout != d.timeout), ("--policy-first-timeout", policyFirstTimeout != d.firstCallTimeout),
            ("--policy-retries", policyRetries != d.retries), ("--policy-retry-delay", policyRetryDelay != d.retryDelay),
            ("--policy-reconnect", policyReconnect != d.reconnectBudget),
            ("--policy-max-response-mb", policyMaxResponseMb != Double(d.maxResponseBytes) / 1_048_576),
        ]
    }

    func settings() throws -> RemoteSettings {
        // Finite and bounded: an infinite time-out or a 1e300 MiB cap used to overflow an integer conversion.
        try FlagRules.check("--policy-timeout", policyTimeout, in: 0.001...86_400, unit: "s")
        try FlagRules.check("--policy-first-timeout", policyFirstTimeout, in: 0.001...86_400, unit: "s")
        try FlagRules.check("--policy-retries", policyRetries, in: 0...1000)
        try FlagRules.check("--policy-retry-delay", policyRetryDelay, in: 0...60, unit: "s")
        try FlagRules.check("--policy-reconnect", policyReconnect, in: 0...86_400, unit: "s")
        try FlagRules.check("--policy-max-response-mb", policyMaxResponseMb, in: 0.001...4096, unit: "MiB")
        return RemoteSettings(
            timeout: policyTimeout, retries: policyRetries, retryDelay: policyRetryDelay, firstCallTimeout: policyFirstTimeout,
            reconnectBudget: policyReconnect, maxResponseBytes: Int(policyMaxResponseMb * 1_048_576))
    }
}
