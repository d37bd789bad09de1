import BenchtopVariation
import Foundation

/// The report of a variation sweep: results.json (every episode), cells.csv (one row per cell) and report.html
/// (success and progression per axis and level with 95% intervals, the in-distribution baseline, a SimplerEnv
/// variant-aggregation figure, LIBERO-Plus and MolmoAct OOD categories, one picture per cell).
public struct SweepReport {
    public var results: SweepResults
    public var title: String
    /// What the numbers mean for this policy (e.g. that a privileged policy ignores images and language).
    public var notes: [String]

    public init(results: SweepResults, title: String, notes: [String] = []) {
        self.results = results
        self.title = title
        self.notes = notes
    }

    /// One cell's aggregates.
    public struct CellSummary {
        public var id: String
        public var axis: VariationAxis?
        public var level: Int
        public var summary: RunSummary
        public var picture: String?
    }

    public var cellSummaries: [CellSummary] {
        let byCell = Dictionary(grouping: results.episodes, by: \.cell)
        return results.cells.compactMap { id in
            guard let eps = byCell[id] else { return nil }
            return CellSummary(
                id: id, axis: eps[0].axis.flatMap(VariationAxis.init(rawValue:)), level: eps[0].level,
                summary: RunSummary(eps.map(\.result)), picture: results.pictures[id])
        }
    }

    /// A pooled figure over several cells: success rate with its Beta interval, and mean progression.
    public struct Pooled {
        public var cells: Int
        public var episodes: Int
        public var successes: Int
        public var rate: Double
        public var interval: ClosedRange<Double>
        public var progression: Double
    }

    public static func pool(_ cells: [CellSummary]) -> Pooled? {
        guard !cells.isEmpty else { return nil }
        let n = cells.map(\.summary.episodes).reduce(0, +)
        let s = cells.map(\.summary.successes).reduce(0, +)
        let prog = cells.map { $0.summary.meanProgression * Double($0.summary.episodes) }.reduce(0, +) / Double(max(n, 1))
        return Pooled(
            cells: cells.count, episodes: n, successes: s, rate: n == 0 ? 0 : Double(s) / Double(n),
            interval: Statistics.successInterval(successes: s, failures: n - s), progression: prog)
    }

    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try results.encoded().write(to: URL(fileURLWithPath: "\(directory)/results.json"))
        try csv().write(toFile: "\(directory)/cells.csv", atomically: true, encoding: .utf8)
        try html().write(toFile: "\(directory)/report.html", atomically: true, encoding: .utf8)
    }

    public func csv() -> String {
        var lines = ["cell,axis,level,episodes,successes,success_rate,success_low_95,success_high_95,mean_progression,mean_collisions,picture"]
        for c in cellSummaries {
            let s = c.summary
            lines.append(
                [
                    c.id, c.axis?.rawValue ?? "", "\(c.level)", "\(s.episodes)", "\(s.successes)", String(format: "%.4f", s.successRate),
                    String(format: "%.4f", s.successInterval.lowerBound), String(format: "%.4f", s.successInterval.upperBound),
                    String(format: "%.4f", s.meanProgression), String(format: "%.3f", s.meanCollisions), c.picture ?? "",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        let cells = cellSummaries
        let baseline = cells.first { $0.axis == nil }
        let variants = cells.filter { $0.axis != nil }
        func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
        func rate(_ p: Pooled) -> String {
            "\(pct(p.rate)) <span class=ci>[\(pct(p.interval.lowerBound)) – \(pct(p.interval.upperBound))]</span>"
        }
        func bar(_ v: Double) -> String {
            "<svg width='120' height='12'><rect width='120' height='12' fill='#eee'/><rect width='\(String(format: "%.1f", v * 120))' height='12' fill='#2e9d4f'/></svg>"
        }
        var h = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:middle}th{background:#f3f3f3}
            td:first-child,th:first-child{text-align:left}.ci{color:#777;font-size:12px}img{image-rendering:pixelated}
            .note{background:#fff8e0;border:1px solid #e8d9a0;padding:6px 10px;margin:6px 0}</style></head><body>
            <h1>\(escape(title))</h1>
            <pre>\(escape(results.specYAML))</pre>
            """
        for n in notes { h += "<div class=note>\(escape(n))</div>" }
        h += "<h2>Summary</h2><table><tr><th>figure</th><th>cells</th><th>episodes</th><th>success [95% interval]</th><th>progression</th></tr>"
        if let b = baseline, let p = Self.pool([b]) {
            h +=
                "<tr><td>in-distribution baseline (every axis at level 0)</td><td>1</td><td>\(p.episodes)</td><td>\(rate(p))</td><td>\(String(format: "%.3f", p.progression))</td></tr>"
        }
        if let p = Self.pool(variants) {
            h +=
                "<tr><td>SimplerEnv-style variant aggregation (all variant cells pooled)</td><td>\(p.cells)</td><td>\(p.episodes)</td><td>\(rate(p))</td><td>\(String(format: "%.3f", p.progression))</td></tr>"
        }
        h += "</table>"
        // Benchmark categories.
        func categoryTable(_ heading: String, _ key: (VariationAxis) -> String?, order: [String]) -> String {
            var rows = ""
            for name in order {
                let members = variants.filter { $0.axis.flatMap(key) == name }
                guard let p = Self.pool(members) else { continue }
                rows +=
                    "<tr><td>\(escape(name))</td><td>\(p.cells)</td><td>\(p.episodes)</td><td>\(rate(p))</td><td>\(String(format: "%.3f", p.progression))</td></tr>"
            }
            guard !rows.isEmpty else { return "" }
            return
                "<h2>\(heading)</h2><table><tr><th>category</th><th>cells</th><th>episodes</th><th>success [95% interval]</th><th>progression</th></tr>\(rows)</table>"
        }
        h += categoryTable(
            "MolmoAct OOD categories", \.molmoActCategory, order: ["language variation", "spatial variation", "distractors", "novel objects"])
        h += categoryTable(
            "LIBERO-Plus dimensions", \.liberoPlusCategory, order: ["Camera", "Robot init", "Language", "Light", "Background", "Noise", "Layout"])
        // Per axis and level.
        h +=
            "<h2>Per axis and level</h2><table><tr><th>axis</th><th>level</th><th>episodes</th><th>success [95% interval]</th><th></th><th>Δ vs baseline</th><th>progression</th><th>collisions</th><th>example (episode 0)</th></tr>"
        for c in cells {
            let s = c.summary
            let delta = baseline.map { String(format: "%+.1f pp", (s.successRate - $0.summary.successRate) * 100) } ?? ""
            let img = c.picture.map { "<img src=\"\(escape($0))\" width=96 height=96 alt=\"\(escape(c.id))\">" } ?? ""
            h += "<tr><td>\(escape(c.axis?.rawValue ?? "baseline"))</td><td>\(c.level)</td><td>\(s.episodes)</td>"
            h += "<td>\(pct(s.successRate)) <span class=ci>[\(pct(s.successInterval.lowerBound)) – \(pct(s.successInterval.upperBound))]</span></td>"
            h += "<td>\(bar(s.successRate))</td><td>\(c.axis == nil ? "" : delta)</td><td>\(String(format: "%.3f", s.meanProgression))</td>"
            h += "<td>\(String(format: "%.2f", s.meanCollisions))</td><td>\(img)</td></tr>"
        }
        h += "</table><h2>What each cell changed (episode 0)</h2><table><tr><th>cell</th><th>instruction</th><th>changes</th></tr>"
        for e in results.episodes where e.episode == 0 {
            h +=
                "<tr><td>\(escape(e.cell))</td><td style='text-align:left'>\(escape(e.instruction))</td><td style='text-align:left'>\(e.changes.map(escape).joined(separator: "<br>"))</td></tr>"
        }
        return h + "</table></body></html>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The standard caveat for the built-in policy.
    public static let privilegedPolicyNote =
        "The built-in policy is privileged: it plans from the world state, not from images or words. "
        + "Lighting, background, camera, sensor-noise and language cells therefore cannot change its behaviour (they measure nothing about "
        + "perception or language for it); distractors, novel objects, layout, robot init and physics act on it through planning and contact."
}
