import BenchtopCore
import Foundation

/// Writes an evaluation's outputs: results.json, episodes.csv and report.html (plots as inline SVG, so the
/// report is one self-contained file that opens anywhere).
public struct EvaluationReport {
    public var title: String
    /// Settings shown in the report and stored in results.json (scene, robot, policy, seed, rates...).
    public var settings: [(String, String)]
    public var results: [EpisodeResult]
    /// Per-episode end-effector paths (xy top view), for the trajectory plot.
    public var trajectories: [[SIMD3<Double>]]
    /// Relative paths of per-episode videos, when written.
    public var videos: [String?]
    /// Relative paths of per-episode reasoning contact sheets (PNG), when written.
    public var contactSheets: [String?] = []

    public init(
        title: String, settings: [(String, String)], results: [EpisodeResult], trajectories: [[SIMD3<Double>]] = [],
        videos: [String?] = []
    ) {
        self.title = title
        self.settings = settings
        self.results = results
        self.trajectories = trajectories
        self.videos = videos
    }

    public var summary: RunSummary { RunSummary(results) }

    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try resultsJSON().write(to: URL(fileURLWithPath: "\(directory)/results.json"))
        try episodesCSV().write(toFile: "\(directory)/episodes.csv", atomically: true, encoding: .utf8)
        try html().write(toFile: "\(directory)/report.html", atomically: true, encoding: .utf8)
    }

    // MARK: - results.json

    public func resultsJSON() throws -> Data {
        let s = summary
        func opt(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        let summaryObject: [String: Any] = [
            "episodes": s.episodes, "successes": s.successes, "success_rate": s.successRate,
            "success_interval_95": [s.successInterval.lowerBound, s.successInterval.upperBound],
            "success_any_time_rate": s.successAnyTimeRate, "mean_progression": s.meanProgression,
            "mean_ticks": s.meanTicks, "mean_completion_time_s": opt(s.meanCompletionTime),
            "mean_cartesian_path_length_m": s.meanCartesianPathLength, "mean_joint_path_length_rad": s.meanJointPathLength,
            "mean_jerk_m_s3": s.meanJerk, "mean_rms_jerk_m_s3": s.meanRMSJerk, "mean_collisions": s.meanCollisions,
            "latency_s": ["p50": opt(s.latencyP50), "p90": opt(s.latencyP90), "p99": opt(s.latencyP99)],
            "outcomes": s.outcomes,
            "policy_errors": [
                "total": s.policyErrorFields.values.reduce(0, +), "episodes_with_errors": s.episodesWithPolicyErrors,
                "by_field": s.policyErrorFields, "first_messages": s.firstPolicyErrorMessages,
            ] as [String: Any],
        ]
        let episodes: [[String: Any]] = results.enumerated().map { i, r in
            var e = Self.episodeEntry(r, index: i)
            if i < videos.count, let v = videos[i] { e["video"] = v }
            if i < contactSheets.count, let v = contactSheets[i] { e["contact_sheet"] = v }
            return e
        }
        let root: [String: Any] = [
            "title": title, "settings": Dictionary(settings, uniquingKeysWith: { $1 }), "summary": summaryObject, "episodes": episodes,
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    }

    /// One episode as results.json (and the incremental episodes.jsonl) stores it.
    public static func episodeEntry(_ r: EpisodeResult, index i: Int) -> [String: Any] {
        func opt(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        var e: [String: Any] = [
            "episode": i, "seed": r.seed, "outcome": r.outcome.label, "success": r.successAtEnd, "success_any_time": r.successAnyTime,
            "progression": r.progression, "ticks": r.ticks, "completion_time_s": opt(r.completionTime),
            "cartesian_path_length_m": r.cartesianPathLength, "joint_path_length_rad": r.jointPathLength,
            "mean_jerk_m_s3": r.meanJerk, "rms_jerk_m_s3": r.rmsJerk, "collisions": r.collisions,
            "latency_s": r.latencies, "policy_errors": r.policyErrors,
            "policy_error_fields": r.policyErrorFields, "policy_error_messages": r.policyErrorMessages,
        ]
        e["steered"] = r.steered
        if let digest = r.finalStateDigest { e["final_state_digest"] = digest }
        if case .policyError(let m) = r.outcome { e["error"] = m }
        if case .physicsError(let m) = r.outcome { e["error"] = m }
        if case .unsupportedTask(let m) = r.outcome { e["error"] = m }
        return e
    }

    // MARK: - episodes.csv

    public func episodesCSV() -> String {
        var lines = [
            "episode,seed,outcome,success,success_any_time,progression,ticks,completion_time_s,cartesian_path_length_m,joint_path_length_rad,mean_jerk_m_s3,rms_jerk_m_s3,collisions,latency_mean_s,latency_max_s,policy_errors,policy_error_fields"
        ]
        for (i, r) in results.enumerated() {
            let lat = Statistics.mean(r.latencies).map { String(format: "%.6f", $0) } ?? ""
            let latMax = r.latencies.max().map { String(format: "%.6f", $0) } ?? ""
            lines.append(
                [
                    "\(i)", "\(r.seed)", r.outcome.label, "\(r.successAtEnd)", "\(r.successAnyTime)", String(format: "%.4f", r.progression),
                    "\(r.ticks)", r.completionTime.map { String(format: "%.4f", $0) } ?? "", String(format: "%.5f", r.cartesianPathLength),
                    String(format: "%.5f", r.jointPathLength), String(format: "%.3f", r.meanJerk), String(format: "%.3f", r.rmsJerk),
                    "\(r.collisions)", lat, latMax, "\(r.policyErrors)",
                    // "action:3;depth:1": no commas, so the column needs no quoting.
                    r.policyErrorFields.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ";"),
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - report.html

    public func html() -> String {
        let s = summary
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0 * 1000) } ?? "n/a" }
        var h = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
            .plots{display:flex;flex-wrap:wrap;gap:16px}.plot{border:1px solid #ddd;padding:8px}h2{margin-top:28px}</style></head><body>
            <h1>\(escape(title))</h1>
            <table>\(settings.map { "<tr><td>\(escape($0.0))</td><td>\(escape($0.1))</td></tr>" }.joined())</table>
            <h2>Summary</h2><table>
            <tr><td>episodes</td><td>\(s.episodes)</td></tr>
            <tr><td>success rate (at end)</td><td>\(pct(s.successRate)) [95% interval \(pct(s.successInterval.lowerBound)) – \(pct(s.successInterval.upperBound))]</td></tr>
            <tr><td>success at any time</td><td>\(pct(s.successAnyTimeRate))</td></tr>
            <tr><td>mean progression</td><td>\(String(format: "%.3f", s.meanProgression))</td></tr>
            <tr><td>mean completion time</td><td>\(s.meanCompletionTime.map { String(format: "%.2f s", $0) } ?? "n/a")</td></tr>
            <tr><td>mean end-effector path</td><td>\(String(format: "%.3f m", s.meanCartesianPathLength))</td></tr>
            <tr><td>mean joint path</td><td>\(String(format: "%.3f rad", s.meanJointPathLength))</td></tr>
            <tr><td>mean / RMS jerk</td><td>\(String(format: "%.1f / %.1f m/s³", s.meanJerk, s.meanRMSJerk))</td></tr>
            <tr><td>collisions with non-target objects (mean)</td><td>\(String(format: "%.2f", s.meanCollisions))</td></tr>
            <tr><td>policy latency p50 / p90 / p99</td><td>\(ms(s.latencyP50)) / \(ms(s.latencyP90)) / \(ms(s.latencyP99))</td></tr>
            <tr><td>outcomes</td><td>\(s.outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))</td></tr>
            <tr><td>policy errors (episodes with any)</td><td>\(s.episodesWithPolicyErrors)\(s.policyErrorFields.isEmpty ? "" : ": " + escape(s.policyErrorFields.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))</td></tr>
            </table>\(policyErrorSection(s))
            <h2>Plots</h2><div class="plots">
            <div class="plot"><b>Success by outcome</b><br>\(outcomeBars(s))</div>
            <div class="plot"><b>Policy latency histogram</b><br>\(latencyHistogram())</div>
            <div class="plot"><b>End-effector trajectories (top view)</b><br>\(trajectoryPlot())</div>
            </div>
            <h2>Episodes</h2><table><tr><th>#</th><th>seed</th><th>outcome</th><th>progression</th><th>ticks</th><th>path (m)</th><th>latency p50</th><th>video</th></tr>
            """
        for (i, r) in results.enumerated() {
            let video = i < videos.count ? videos[i].map { "<a href=\"\(escape($0))\">mp4</a>" } ?? "" : ""
            h += "<tr><td>\(i)</td><td>\(r.seed)</td><td>\(r.outcome.label)</td><td>\(String(format: "%.2f", r.progression))</td><td>\(r.ticks)</td>"
            h +=
                "<td>\(String(format: "%.3f", r.cartesianPathLength))</td><td>\(ms(Statistics.percentile(r.latencies, 50)))</td><td>\(video)</td></tr>"
        }
        h += "</table>"
        let sheets = contactSheets.enumerated().compactMap { i, p in p.map { (i, $0) } }
        if !sheets.isEmpty {
            h +=
                "<h2>Reasoning contact sheets</h2><p>Per episode, evenly spaced policy queries: the primary image with the predicted trace "
                + "(magenta) and the executed TCP path (green), predicted depth tokens decoded, rendered depth and its tokens, per-cell "
                + "agreement, and the action chunk per dimension.</p>"
            for (i, p) in sheets { h += "<details><summary>episode \(i)</summary><img src=\"\(escape(p))\" alt=\"episode \(i)\"></details>" }
        }
        return h + "</body></html>\n"
    }

    /// Per-category counts and the first messages, when the policy had problems.
    private func policyErrorSection(_ s: RunSummary) -> String {
        guard !s.policyErrorFields.isEmpty else { return "" }
        var h =
            "<h2>Policy errors</h2><p>Problems per answer field or kind, over all episodes (recovered ones included: a "
            + "malformed action the client replaced, a depth string or trace it could not read).</p><table><tr><th>field</th><th>count</th></tr>"
        for (k, v) in s.policyErrorFields.sorted(by: { $0.key < $1.key }) { h += "<tr><td>\(escape(k))</td><td>\(v)</td></tr>" }
        h += "</table><p>First messages:</p><ul>"
        for m in s.firstPolicyErrorMessages { h += "<li><code>\(escape(String(m.prefix(500))))</code></li>" }
        return h + "</ul>"
    }

    /// Outcome bars; the policy_error bar stacks episodes that ended on a policy error (solid) and episodes that
    /// reached another outcome after recovering from policy errors (light), so garbage answers are not hidden.
    private func outcomeBars(_ s: RunSummary) -> String {
        let labels = ["success", "timeout", "policy_error", "physics_error", "unsupported_task"]
        let colors = ["#2e9d4f", "#c9a227", "#c0392b", "#7d3c98", "#5d6d7e"]
        let endedOnError = s.outcomes["policy_error"] ?? 0
        let recovered = max(0, s.episodesWithPolicyErrors - endedOnError)
        let heights = labels.map { ($0 == "policy_error" ? recovered : 0) + (s.outcomes[$0] ?? 0) }
        let maxCount = max(1, heights.max() ?? 1)
        var svg = "<svg width='400' height='180' xmlns='http://www.w3.org/2000/svg'>"
        for (i, label) in labels.enumerated() {
            let count = s.outcomes[label] ?? 0
            let h = 130.0 * Double(count) / Double(maxCount)
            let x = 20 + i * 75
            svg += "<rect x='\(x)' y='\(150 - h)' width='50' height='\(h)' fill='\(colors[i])'/>"
            var top = 150 - h
            var caption = "\(count)"
            if label == "policy_error" && recovered > 0 {
                let hr = 130.0 * Double(recovered) / Double(maxCount)
                top -= hr
                svg +=
                    "<rect x='\(x)' y='\(top)' width='50' height='\(hr)' fill='\(colors[i])' fill-opacity='0.35'><title>\(recovered) episodes recovered from policy errors</title></rect>"
                caption = "\(count) + \(recovered) recovered"
            }
            svg += "<text x='\(x + 25)' y='\(top - 5)' text-anchor='middle' font-size='\(caption.count > 6 ? 9 : 12)'>\(caption)</text>"
            svg += "<text x='\(x + 25)' y='168' text-anchor='middle' font-size='10'>\(label)</text>"
        }
        return svg + "</svg>"
    }

    private func latencyHistogram() -> String {
        let all = results.flatMap(\.latencies).map { $0 * 1000 }
        guard let lo = all.min(), let hi = all.max() else { return "<i>no policy queries</i>" }
        let bins = 20
        let width = max(hi - lo, 1e-6) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for v in all { counts[min(bins - 1, Int((v - lo) / width))] += 1 }
        let top = max(1, counts.max() ?? 1)
        var svg = "<svg width='320' height='180' xmlns='http://www.w3.org/2000/svg'>"
        for (i, c) in counts.enumerated() {
            let h = 130.0 * Double(c) / Double(top)
            svg += "<rect x='\(20 + i * 14)' y='\(150 - h)' width='12' height='\(h)' fill='#3b6fb6'/>"
        }
        svg += "<text x='20' y='168' font-size='10'>\(String(format: "%.2f", lo)) ms</text>"
        svg += "<text x='300' y='168' font-size='10' text-anchor='end'>\(String(format: "%.2f", hi)) ms</text>"
        return svg + "</svg>"
    }

    private func trajectoryPlot() -> String {
        let points = trajectories.flatMap { $0 }
        guard let first = points.first else { return "<i>no trajectories</i>" }
        var lo = SIMD2(first.x, first.y)
        var hi = lo
        for p in points {
            lo = pointwiseMin(lo, SIMD2(p.x, p.y))
            hi = pointwiseMax(hi, SIMD2(p.x, p.y))
        }
        let span = max(hi.x - lo.x, hi.y - lo.y, 1e-3)
        func map(_ p: SIMD3<Double>) -> String {
            // Top view: world +x up the plot, +y to the left, as seen from behind the robot.
            let u = 300 - (p.y - lo.y) / span * 280
            let v = 170 - (p.x - lo.x) / span * 160
            return String(format: "%.1f,%.1f", u, v)
        }
        var svg = "<svg width='320' height='180' xmlns='http://www.w3.org/2000/svg'>"
        for (i, path) in trajectories.enumerated() where path.count > 1 {
            let success = i < results.count && results[i].successAtEnd
            svg +=
                "<polyline fill='none' stroke='\(success ? "#2e9d4f" : "#c0392b")' stroke-opacity='0.6' points='\(path.map(map).joined(separator: " "))'/>"
        }
        return svg + "</svg>"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
