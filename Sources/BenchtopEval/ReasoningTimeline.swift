import BenchtopCore
import BenchtopPolicy
import Foundation

/// One tick of an episode as the reasoning panels show it.
public struct TimelineTick: Sendable {
    public var index: Int
    public var time: Double
    /// The primary camera's image the action was chosen on.
    public var rgb: RGBImage?
    /// The primary metric depth at the tick the current chunk was asked for (nil on other ticks, to save memory).
    public var depth: DepthImage?
    /// The reasoning of the chunk being executed (after any perturbation).
    public var reasoning: Reasoning?
    /// The chunk being executed, whole, and which of its actions this tick runs.
    public var chunk: [[Double]]
    public var chunkStep: Int
    /// The tick the chunk started at.
    public var chunkStart: Int
    public var action: [Double]
    /// TCP after the tick, world frame.
    public var endEffector: SIMD3<Double>
    /// The primary camera model at the chunk's query, for projecting 3D paths.
    public var camera: PinholeCamera?
}

/// Keeps the current episode's ticks in memory (images, reasoning, chunks, TCP path) for the viewer's timeline
/// and the headless panels, and writes each episode's reasoning to `timeline/episode_NNN.jsonl` when given a
/// directory.
public final class ReasoningTimeline: ChunkObserving {
    public let camera: String
    /// The primary camera model now (nil: 3D paths are not projected).
    public var cameraModel: (() -> PinholeCamera?)?
    public var directory: String?
    public private(set) var ticks: [TimelineTick] = []
    public private(set) var episode = -1
    public private(set) var writtenPaths: [String] = []
    /// Whether ticks keep the primary image and depth (the viewer and panels need them; the reasoning log alone
    /// does not, and long runs then hold no images).
    public var keepsImages = true
    /// Called after each tick (the viewer redraws).
    public var onTick: ((TimelineTick) -> Void)?
    private var chunk: [[Double]] = []
    private var chunkStart = 0
    private var chunkDepth: DepthImage?
    private var chunkCamera: PinholeCamera?
    private var reasoning: Reasoning?
    /// Whether the current episode was reset (an episode whose reset failed ends without one).
    private var inEpisode = false

    public init(camera: String, directory: String? = nil) {
        self.camera = camera
        self.directory = directory
    }

    public func episodeDidReset(seed: UInt64, observation: Observation) {
        ticks = []
        chunk = []
        reasoning = nil
        episode += 1
        inEpisode = true
    }

    public func episodeDidReceive(_ chunk: ActionChunk, context: ChunkContext) {
        self.chunk = chunk.actions
        chunkStart = context.tick
        reasoning = chunk.reasoning
        chunkDepth = keepsImages ? context.observation.images.first { $0.name == camera }?.depth : nil
        chunkCamera = cameraModel?()
    }

    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning r: Reasoning?, info: TickInfo) {
        let image = keepsImages ? observation.images.first { $0.name == camera } : nil
        let step = index - chunkStart
        let t = TimelineTick(
            index: index, time: info.time, rgb: image?.rgb, depth: step == 0 ? chunkDepth : nil, reasoning: reasoning,
            chunk: chunk, chunkStep: step, chunkStart: chunkStart, action: action, endEffector: info.endEffector,
            camera: chunkCamera)
        ticks.append(t)
        onTick?(t)
    }

    public func episodeDidEnd(_ result: EpisodeResult) {
        if !inEpisode {
            // The episode failed before its reset reached subscribers: it has no ticks, but still its own file.
            ticks = []
            chunk = []
            reasoning = nil
            episode += 1
        }
        inEpisode = false
        guard let directory else { return }
        let name = String(format: "timeline/episode_%03d.jsonl", episode)
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/timeline", withIntermediateDirectories: true)
            try jsonLines().write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
            writtenPaths.append(name)
        } catch {
            FileHandle.standardError.write(Data("timeline: \(name): \(error)\n".utf8))
        }
    }

    /// The episode as JSON lines: one object per tick; reasoning and the whole chunk on the ticks a chunk starts.
    /// An episode without ticks (its first query failed) is an empty file, not a bare newline.
    public func jsonLines() throws -> String {
        var lines: [String] = []
        for t in ticks {
            var o: [String: Any] = [
                "tick": t.index, "time": t.time, "action": t.action,
                "tcp": [t.endEffector.x, t.endEffector.y, t.endEffector.z], "chunk_step": t.chunkStep,
            ]
            if t.chunkStep == 0 {
                o["chunk"] = t.chunk
                if let r = t.reasoning {
                    if let d = r.depthTokens { o["depth_tokens"] = d }
                    o["traces"] = r.traces.map { $0.map { [$0.x, $0.y] } }
                    if let text = r.text { o["text"] = text }
                }
            }
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The depth image of the chunk a tick belongs to.
    public func chunkDepth(of tick: Int) -> DepthImage? {
        guard ticks.indices.contains(tick) else { return nil }
        let s = ticks[tick].chunkStart
        return ticks.indices.contains(s) ? ticks[s].depth : nil
    }

    /// The TCP path executed from `tick` to the end of its chunk's planned steps (the ground truth the trace predicts).
    public func futurePath(from tick: Int, steps: Int) -> [SIMD3<Double>] {
        guard ticks.indices.contains(tick) else { return [] }
        return ticks[tick..<(tick + min(ticks.count - tick, steps))].map(\.endEffector)
    }
}
