import BenchtopCore
import Foundation

/// Deterministic synthetic frames for tests and benchmarks: a Franka-shaped MolmoAct2 schema (two
/// 256x256 cameras, 8-D state, 7-D action) with images from a small pool (so generating them costs
/// nothing while timing) and values that are a pure function of (episode, frame).
public struct SyntheticFrames: Sendable {
    public let schema: DatasetSchema
    private let pools: [String: [RGBImage]]
    public static let poolSize = 16

    public init(fps: Int = 15, size: Int = 256, video: VideoSettings = VideoSettings()) {
        schema = .molmoAct2(
            fps: fps, robotType: "franka", cameras: ["primary", "wrist"], width: size, height: size,
            stateNames: ["x", "y", "z", "roll", "pitch", "yaw", "gripper_left", "gripper_right"],
            actionNames: ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"], video: video)
        var pools: [String: [RGBImage]] = [:]
        for (c, f) in schema.videoFeatures.enumerated() {
            pools[f.name] = (0..<Self.poolSize).map { Self.image(size: size, frame: $0, camera: c) }
        }
        self.pools = pools
    }

    /// A gradient background with a moving bright square; `camera` shifts colours.
    public static func image(size: Int, frame: Int, camera: Int) -> RGBImage {
        var p = [UInt8](repeating: 0, count: size * size * 3)
        let x0 = (frame * 11 + camera * 40) % (size - 48)
        let y0 = (frame * 7) % (size - 48)
        for y in 0..<size {
            for x in 0..<size {
                let i = (y * size + x) * 3
                let inSquare = x >= x0 && x < x0 + 48 && y >= y0 && y < y0 + 48
                p[i] = inSquare ? 240 : UInt8((x + camera * 60) & 255)
                p[i + 1] = inSquare ? 230 : UInt8((y + frame * 3) & 255)
                p[i + 2] = inSquare ? 30 : UInt8((x + y) / 2 & 255)
            }
        }
        return RGBImage(width: size, height: size, pixels: p)
    }

    /// The state (8 values) of a frame.
    public static func state(episode: Int, frame: Int) -> [Double] {
        (0..<8).map { sin(Double(frame) * 0.05 + Double($0) + Double(episode) * 0.7) * (Double($0) < 6 ? 0.5 : 0.04) }
    }

    /// The action (7 values) of a frame.
    public static func action(episode: Int, frame: Int) -> [Double] {
        (0..<7).map { $0 == 6 ? (frame % 40 < 20 ? 1 : -1) : cos(Double(frame) * 0.1 + Double($0 * 3 + episode)) * 0.01 }
    }

    public static func task(episode: Int) -> String { episode % 2 == 0 ? "pick up the red cube" : "place the cube in the bowl" }

    /// Frame `frame` of episode `episode`.
    public func frame(episode: Int, frame: Int) -> DatasetFrame {
        var images: [String: RGBImage] = [:]
        for (name, pool) in pools { images[name] = pool[(frame + episode) % pool.count] }
        return DatasetFrame(
            task: Self.task(episode: episode),
            values: [
                "observation.state": Self.state(episode: episode, frame: frame),
                "action": Self.action(episode: episode, frame: frame),
            ],
            images: images)
    }

    /// Episode length used by the write test: varies by episode so that ranges are not uniform.
    public static func length(episode: Int, base: Int) -> Int { base + (episode * 7) % 11 }
}
