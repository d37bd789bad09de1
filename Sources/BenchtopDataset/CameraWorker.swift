import BenchtopCore
import Foundation

/// Encodes one camera's frames on its own thread (so cameras encode in parallel and overlap with the
/// simulation), through a small bounded queue that keeps memory flat, and accumulates the image statistics.
final class CameraWorker: @unchecked Sendable {
    let feature: Feature
    let path: String
    private let encoder: VideoEncoder
    private var histogram = ImageHistogram()
    private let condition = NSCondition()
    private var queue: [RGBImage] = []
    private var finishing = false
    private var done = false
    private var failure: Error?
    private let capacity: Int

    init(feature: Feature, path: String, fps: Int, settings: VideoSettings, capacity: Int = 4) throws {
        self.feature = feature
        self.path = path
        self.capacity = capacity
        encoder = try VideoEncoder(path: path, width: feature.shape[1], height: feature.shape[0], fps: fps, settings: settings)
        let thread = Thread { [self] in run() }
        thread.name = "benchtop.video.\(feature.name)"
        thread.start()
    }

    /// Queues a frame; blocks while the queue is full. Rethrows an earlier encoding failure.
    func submit(_ image: RGBImage) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && failure == nil && !done { condition.wait() }
        if let failure { throw failure }
        queue.append(image)
        condition.broadcast()
    }

    /// Asks the thread to flush after the queued frames (does not wait).
    func requestFinish() {
        condition.lock()
        finishing = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the flushed file; returns the frame count and the image statistics.
    func waitFinished() throws -> (frames: Int, stats: FeatureStats) {
        requestFinish()
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        if let failure { throw failure }
        return (encoder.frameCount, histogram.stats)
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !finishing { condition.wait() }
            if queue.isEmpty {  // finishing and drained
                condition.unlock()
                break
            }
            let image = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            do {
                try encoder.encode(image, counting: &histogram)
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
                break
            }
        }
        do { try encoder.finish() } catch {
            condition.lock()
            if failure == nil { failure = error }
            condition.unlock()
        }
        condition.lock()
        done = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
