import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopImage
import BenchtopPolicy
import Foundation

/// Writes one mp4 per episode of the reasoning panels (see `ReasoningPanel`), composed when the episode ends
/// (the executed path drawn on each frame lies in that frame's future). Subscribe it after the timeline.
public final class ReasoningVideoRecorder: EpisodeSubscriber {
    public let timeline: ReasoningTimeline
    public let panel: ReasoningPanel
    public let directory: String
    public let fps: Int
    public private(set) var paths: [String] = []
    public private(set) var failures: [String] = []

    public init(timeline: ReasoningTimeline, panel: ReasoningPanel, directory: String, fps: Int) {
        self.timeline = timeline
        self.panel = panel
        self.directory = directory
        self.fps = fps
    }

    public func episodeDidReset(seed: UInt64, observation: Observation) {}
    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {}

    public func episodeDidEnd(_ result: EpisodeResult) {
        let name = String(format: "episode_%03d_reasoning.mp4", timeline.episode)
        guard !timeline.ticks.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = try VideoEncoder(path: "\(directory)/\(name)", width: panel.size.width, height: panel.size.height, fps: fps)
            for i in timeline.ticks.indices { try encoder.encode(panel.compose(timeline, tick: i)) }
            _ = try encoder.finish()
            paths.append(name)
        } catch {
            failures.append("\(name): \(error)")
        }
    }
}

/// Writes one PNG contact sheet per episode: the reasoning panels of up to `rows` evenly spaced policy queries,
/// stacked. Subscribe it after the timeline.
public final class ContactSheetRecorder: EpisodeSubscriber {
    public let timeline: ReasoningTimeline
    public let panel: ReasoningPanel
    public let directory: String
    public var rows: Int
    /// Paths relative to the directory's parent (as the report links them), by episode.
    public private(set) var paths: [String?] = []
    public private(set) var failures: [String] = []

    public init(timeline: ReasoningTimeline, panel: ReasoningPanel, directory: String, rows: Int = 6) {
        self.timeline = timeline
        self.panel = panel
        self.directory = directory
        self.rows = rows
    }

    public func episodeDidReset(seed: UInt64, observation: Observation) {}
    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {}

    /// The ticks a sheet shows: chunk starts, evenly spaced, at most `rows`.
    public static func chosenTicks(_ timeline: ReasoningTimeline, rows: Int) -> [Int] {
        let starts = timeline.ticks.filter { $0.chunkStep == 0 }.map(\.index)
        guard starts.count > rows else { return starts }
        return (0..<rows).map { starts[Int((Double($0) * Double(starts.count - 1) / Double(rows - 1)).rounded())] }
    }

    public func sheet() -> RGBImage? {
        let chosen = Self.chosenTicks(timeline, rows: rows)
        guard !chosen.isEmpty else { return nil }
        let (w, h) = panel.size
        var sheet = RGBImage(width: w, height: h * chosen.count)
        for (r, tick) in chosen.enumerated() {
            let img = panel.compose(timeline, tick: tick)
            sheet.pixels.replaceSubrange(r * w * h * 3..<(r + 1) * w * h * 3, with: img.pixels)
        }
        return sheet
    }

    public func episodeDidEnd(_ result: EpisodeResult) {
        let name = String(format: "episode_%03d.png", timeline.episode)
        guard let image = sheet() else {
            paths.append(nil)
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try PNG.write(image, to: "\(directory)/\(name)")
            paths.append("\((directory as NSString).lastPathComponent)/\(name)")
        } catch {
            failures.append("\(name): \(error)")
            paths.append(nil)
        }
    }
}
