import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopImage
import BenchtopPolicy
import Foundation

/// Writes one mp4 per episode from the primary camera, with the policy's predicted trace drawn on each frame
/// (the trace of the chunk being executed; MolmoAct's 0 ... 255 coordinates scaled to the image).
public final class EpisodeVideoRecorder: EpisodeSubscriber {
    public let directory: String
    public let camera: String
    public let fps: Int
    public private(set) var paths: [String] = []
    /// Errors from encoding, reported at the end rather than ending the evaluation.
    public private(set) var failures: [String] = []
    private var encoder: VideoEncoder?
    private var trace: [[SIMD2<Double>]] = []
    private var episode = 0

    public init(directory: String, camera: String, fps: Int) {
        self.directory = directory
        self.camera = camera
        self.fps = fps
    }

    public func episodeDidReset(seed: UInt64, observation: Observation) {
        trace = []
        encoder = nil
        let name = String(format: "episode_%03d.mp4", episode)
        episode += 1
        guard let image = observation.images.first(where: { $0.name == camera })?.rgb else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            encoder = try VideoEncoder(path: "\(directory)/\(name)", width: image.width, height: image.height, fps: fps)
            paths.append(name)
        } catch {
            failures.append("\(name): \(error)")
        }
    }

    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
        if let r = reasoning { trace = r.traces }
        guard let encoder, var image = observation.images.first(where: { $0.name == camera })?.rgb else { return }
        let scale = SIMD2(Double(image.width) / 256, Double(image.height) / 256)
        let colors: [(UInt8, UInt8, UInt8)] = [(255, 40, 200), (40, 220, 255)]
        for (arm, points) in trace.enumerated() {
            image.drawPolyline(points.map { ($0 + 0.5) * scale }, color: colors[arm % colors.count], width: max(2, Double(image.width) / 128))
        }
        do { try encoder.encode(image) } catch { failures.append("frame \(index): \(error)") }
    }

    public func episodeDidEnd(_ result: EpisodeResult) {
        guard let encoder else { return }
        do { _ = try encoder.finish() } catch { failures.append("\(encoder.path): \(error)") }
        self.encoder = nil
    }
}
