import ArgumentParser

/// Ranges and combinations of `eval`'s flags, checked before anything runs: numbers that would overflow,
/// allocate without bound or run nothing, and flags that would be silently ignored. (What `--sweep` refuses
/// is checked by `EvalCommand.runSweep`, against the spec.)
struct EvalFlagRules {
    static let maxEpisodes = 1_000_000
    static let maxHorizon = 1_000_000
    static let maxActionSteps = 1000

    let command: EvalCommand
    init(_ command: EvalCommand) { self.command = command }

    func check() throws {
        let c = command
        if let n = c.episodes, !(1...Self.maxEpisodes).contains(n) {
            throw ValidationError("--episodes: expected 1 ... \(Self.maxEpisodes), got \(n)")
        }
        // Episode k uses seed + k.
        let last = UInt64(max(c.episodes ?? 10, 1) - 1)
        if let seed = c.seed, seed > UInt64.max - last {
            throw ValidationError("--seed: expected at most \(UInt64.max - last) with \(last + 1) episodes (seed + episodes - 1 must fit in 64 bits)")
        }
        if let h = c.horizon, !(1...Self.maxHorizon).contains(h) {
            throw ValidationError("--horizon: expected 1 ... \(Self.maxHorizon) control ticks, got \(h)")
        }
        if let a = c.actionSteps, !(1...Self.maxActionSteps).contains(a) {
            throw ValidationError("--action-steps: expected 1 ... \(Self.maxActionSteps), got \(a)")
        }
        if let r = c.controlRate, !(r.isFinite && r >= 0.1 && r <= 1000) {
            throw ValidationError("--control-rate: expected 0.1 ... 1000 Hz, got \(r)")
        }
        if let f = c.frames, f < 1 { throw ValidationError("--frames: expected at least 1, got \(f)") }
        var unused: [String] = []
        if !c.view {
            if c.frames != nil { unused.append("--frames") }
            if c.screenshot != nil { unused.append("--screenshot") }
            if c.size != "1280x800" { unused.append("--size") }
            if c.steer != nil { unused.append("--steer") }
        }
        if !unused.isEmpty { throw ValidationError("\(unused.joined(separator: ", ")) only apply with --view") }
        if c.sweepOptions.sweep == nil && (c.sweepOptions.shard != nil || c.sweepOptions.workers != nil) {
            throw ValidationError("--shard and --workers only apply with --sweep")
        }
        if let w = c.sweepOptions.workers, !(1...256).contains(w) { throw ValidationError("--workers: expected 1 ... 256, got \(w)") }
        _ = try c.remoteOptions.settings()
        let remote = ["molmoact=", "molmoact2=", "openpi="].contains { (c.policy ?? "builtin").hasPrefix($0) }
        try FlagRules.onlyWhen(
            remote || c.sweepOptions.sweep != nil, c.remoteOptions.given, "with a remote --policy (molmoact=, molmoact2=, openpi=)")
        if !(c.policy ?? "builtin").hasPrefix("molmoact=") && c.sweepOptions.sweep == nil && (c.normStats != nil || c.unnormKey != nil) {
            throw ValidationError("--norm-stats and --unnorm-key only apply with --policy molmoact=URL")
        }
    }
}
