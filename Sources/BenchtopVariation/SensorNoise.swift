import BenchtopCore

/// Gaussian sensor noise: per-channel on 8-bit images (standard deviation in 0 ... 255 units) and per element
/// on the state vector. Deterministic: the draws depend only on the noise seed, the episode seed, the tick
/// time and the camera's name.
public struct SensorNoise: Sendable, Hashable {
    public var imageStandardDeviation: Double
    public var stateStandardDeviation: Double
    public var seed: UInt64
    public init(imageStandardDeviation: Double, stateStandardDeviation: Double, seed: UInt64) {
        self.imageStandardDeviation = imageStandardDeviation
        self.stateStandardDeviation = stateStandardDeviation
        self.seed = seed
    }

    /// The stream for one observation.
    public func stream(episodeSeed: UInt64, time: Double, label: String) -> SeededRandom {
        SeededRandom(seed: seed ^ (episodeSeed &* 0x9E37_79B9_7F4A_7C15)).fork("\(label)@\(time.bitPattern)")
    }

    public func apply(to image: inout RGBImage, episodeSeed: UInt64, time: Double, camera: String) {
        guard imageStandardDeviation > 0 else { return }
        var rng = stream(episodeSeed: episodeSeed, time: time, label: "image/" + camera)
        for i in image.pixels.indices {
            let v = Double(image.pixels[i]) + rng.gaussian(standardDeviation: imageStandardDeviation)
            image.pixels[i] = UInt8(min(max(v.rounded(), 0), 255))
        }
    }

    public func apply(to state: inout [Double], episodeSeed: UInt64, time: Double) {
        guard stateStandardDeviation > 0 else { return }
        var rng = stream(episodeSeed: episodeSeed, time: time, label: "state")
        for i in state.indices { state[i] += rng.gaussian(standardDeviation: stateStandardDeviation) }
    }
}
