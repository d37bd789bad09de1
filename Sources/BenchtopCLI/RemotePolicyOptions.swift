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

    func settings() throws -> RemoteSettings {
        guard policyTimeout > 0, policyFirstTimeout > 0, policyRetries >= 0, policyRetryDelay >= 0, policyReconnect >= 0, policyMaxResponseMb > 0
        else {
            throw ValidationError(
                "--policy-timeout, --policy-first-timeout and --policy-max-response-mb must be > 0; --policy-retries, --policy-retry-delay and --policy-reconnect >= 0"
            )
        }
        return RemoteSettings(
            timeout: policyTimeout, retries: policyRetries, retryDelay: policyRetryDelay, firstCallTimeout: policyFirstTimeout,
            reconnectBudget: policyReconnect, maxResponseBytes: Int(policyMaxResponseMb * 1_048_576))
    }
}
