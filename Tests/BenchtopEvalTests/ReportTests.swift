import BenchtopEval
import BenchtopPolicy
import Foundation
import Testing

@Suite struct ReportTests {
    func result(seed: UInt64, _ outcome: EpisodeOutcome, latencies: [Double]) -> EpisodeResult {
        EpisodeResult(
            seed: seed, outcome: outcome, successAtEnd: outcome == .success, successAnyTime: outcome == .success,
            progression: outcome == .success ? 1 : 0.5, ticks: 10, completionTime: outcome == .success ? 0.5 : nil,
            cartesianPathLength: 0.3, jointPathLength: 1.2, meanJerk: 5, rmsJerk: 6, collisions: 1,
            latencies: latencies, policyErrors: outcome.label == "policy_error" ? 1 : 0)
    }

    @Test func writesResultsCSVAndHTMLThatAgree() throws {
        let results = [
            result(seed: 0, .success, latencies: [0.010, 0.020]), result(seed: 1, .timeout, latencies: [0.030]),
            result(seed: 2, .policyError("server error: HTTP 500"), latencies: []),
        ]
        let report = EvaluationReport(
            title: "test run", settings: [("scene", "pick_cube"), ("policy", "builtin")], results: results,
            trajectories: [[SIMD3(0.3, 0, 1), SIMD3(0.4, 0.1, 1)]], videos: ["episode_000.mp4", nil, nil])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-report-\(getpid())").path
        try report.write(to: dir)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/results.json"))) as! [String: Any]
        let summary = json["summary"] as! [String: Any]
        #expect(summary["episodes"] as? Int == 3 && summary["successes"] as? Int == 1)
        #expect(abs((summary["success_rate"] as! Double) - 1.0 / 3) < 1e-12)
        let latency = summary["latency_s"] as! [String: Any]
        #expect(abs((latency["p50"] as! Double) - 0.020) < 1e-12)
        let episodes = json["episodes"] as! [[String: Any]]
        #expect(episodes[2]["outcome"] as? String == "policy_error" && episodes[2]["error"] as? String == "server error: HTTP 500")
        #expect(episodes[0]["video"] as? String == "episode_000.mp4")
        let csv = try String(contentsOfFile: "\(dir)/episodes.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 4 && csv[2].hasPrefix("1,1,timeout,false"))
        let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
        #expect(html.contains("33.3%") && html.contains("<polyline") && html.contains("policy_error: 1"))
        try? FileManager.default.removeItem(atPath: dir)
    }
}
