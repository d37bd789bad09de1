import Foundation

/// Results of `benchtop eval --perturb`: the unperturbed baseline and each perturbation over the same seeds,
/// side by side (results.json, perturbations.csv, report.html), each variant's own report in its folder.
public struct PerturbationReport {
    public struct Variant {
        public var name: String
        public var description: String
        public var results: [EpisodeResult]
        /// Relative path of the first episode's contact sheet, when written.
        public var contactSheet: String?
        public var events: Int
        public init(name: String, description: String, results: [EpisodeResult], contactSheet: String? = nil, events: Int = 0) {
            self.name = name
            self.description = description
            self.results = results
            self.contactSheet = contactSheet
            self.events = events
        }
    }

    public var title: String
    public var specYAML: String
    /// The baseline first.
    public var variants: [Variant]

    public init(title: String, specYAML: String, variants: [Variant]) {
        self.title = title
        self.specYAML = specYAML
        self.variants = variants
    }

    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try json().write(to: URL(fileURLWithPath: "\(directory)/results.json"))
        try csv().write(toFile: "\(directory)/perturbations.csv", atomically: true, encoding: .utf8)
        try html().write(toFile: "\(directory)/report.html", atomically: true, encoding: .utf8)
    }

    public func json() throws -> Data {
        let base = variants.first.map { RunSummary($0.results) }
        let list: [[String: Any]] = variants.map { v in
            let s = RunSummary(v.results)
            return [
                "name": v.name, "description": v.description, "episodes": s.episodes, "successes": s.successes, "success_rate": s.successRate,
                "success_interval_95": [s.successInterval.lowerBound, s.successInterval.upperBound],
                "success_delta_vs_baseline": s.successRate - (base?.successRate ?? 0), "mean_progression": s.meanProgression,
                "mean_collisions": s.meanCollisions, "perturbation_events": v.events, "outcomes": s.outcomes,
                "seeds": v.results.map(\.seed), "report": "\(v.name)/report.html",
            ]
        }
        let root: [String: Any] = ["kind": "benchtop.perturbations", "version": 1, "title": title, "spec_yaml": specYAML, "variants": list]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    }

    public func csv() -> String {
        var lines = ["name,episodes,successes,success_rate,success_low_95,success_high_95,delta_vs_baseline,mean_progression,mean_collisions,events"]
        let base = variants.first.map { RunSummary($0.results).successRate } ?? 0
        for v in variants {
            let s = RunSummary(v.results)
            lines.append(
                [
                    v.name, "\(s.episodes)", "\(s.successes)", String(format: "%.4f", s.successRate),
                    String(format: "%.4f", s.successInterval.lowerBound),
                    String(format: "%.4f", s.successInterval.upperBound), String(format: "%.4f", s.successRate - base),
                    String(format: "%.4f", s.meanProgression), String(format: "%.3f", s.meanCollisions), "\(v.events)",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        func e(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        let base = variants.first.map { RunSummary($0.results).successRate } ?? 0
        var h = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1300px;color:#222}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:middle}th{background:#f3f3f3}
            td:first-child,th:first-child,td.l{text-align:left}.ci{color:#777;font-size:12px}</style></head><body>
            <h1>\(e(title))</h1><p>Every variant runs the same episode seeds; the first row is the unperturbed baseline.
            Randomness of each perturbation is drawn from (spec seed, episode seed, query), so a rerun gives the same bits.</p>
            <table><tr><th>variant</th><th>what</th><th>episodes</th><th>success [95% interval]</th><th></th><th>Δ vs baseline</th>
            <th>progression</th><th>collisions</th><th>events</th><th>reasoning (episode 0)</th></tr>
            """
        for (i, v) in variants.enumerated() {
            let s = RunSummary(v.results)
            let bar =
                "<svg width='120' height='12'><rect width='120' height='12' fill='#eee'/><rect width='\(String(format: "%.1f", s.successRate * 120))' height='12' fill='#2e9d4f'/></svg>"
            let img =
                v.contactSheet.map {
                    "<a href=\"\(e(v.name))/\(e($0))\"><img src=\"\(e(v.name))/\(e($0))\" width=256 style='object-fit:cover;object-position:top;height:128px'></a>"
                } ?? ""
            h += "<tr><td><a href=\"\(e(v.name))/report.html\">\(e(v.name))</a></td><td class=l>\(e(v.description))</td><td>\(s.episodes)</td>"
            h += "<td>\(pct(s.successRate)) <span class=ci>[\(pct(s.successInterval.lowerBound)) – \(pct(s.successInterval.upperBound))]</span></td>"
            h += "<td>\(bar)</td><td>\(i == 0 ? "" : String(format: "%+.1f pp", (s.successRate - base) * 100))</td>"
            h +=
                "<td>\(String(format: "%.3f", s.meanProgression))</td><td>\(String(format: "%.2f", s.meanCollisions))</td><td>\(v.events)</td><td>\(img)</td></tr>"
        }
        return h + "</table><h2>Spec</h2><pre>\(e(specYAML))</pre></body></html>\n"
    }
}
