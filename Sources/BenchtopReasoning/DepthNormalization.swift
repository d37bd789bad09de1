import BenchtopCore
import BenchtopNumerics

/// The input normalisation of MolmoAct's depth pipeline, applied to simulated depth so that Benchtop's tokens
/// are the tokens the model was trained to predict (docs/reference/molmoact.md §12):
/// inverse-depth-like map → per-image min-max to 8 bits (truncation, near = bright) → nearest-neighbour resize
/// to the model's square input → [−1, 1].
public enum DepthNormalization {
    /// Metric depth to the 8-bit "nearness" map MolmoAct's depth model output is reduced to: 1/d, min-max
    /// normalised per image, ×255, truncated. Pixels with non-positive or non-finite depth count as infinitely far.
    public static func nearnessBytes(_ depth: DepthImage) -> [UInt8] {
        let inverse = depth.values.map { d -> Float in (d > 0 && d.isFinite) ? 1 / max(d, 1e-6) : 0 }
        guard let lo = inverse.min(), let hi = inverse.max() else { return [] }
        let span = hi - lo + Float(1e-8)
        // Same Float32 operation order as the reference: (v - min) / (max - min + 1e-8) * 255, truncated.
        return inverse.map { UInt8(clamping: Int((($0 - lo) / span) * 255)) }
    }

    /// An 8-bit nearness map (row-major, `width`×`height`) resized to `size`×`size` by nearest neighbour
    /// (source index ⌊dst · in / out⌋, as OpenCV INTER_NEAREST and torch 'nearest') and mapped to [−1, 1].
    public static func modelInput(nearness: [UInt8], width: Int, height: Int, size: Int) -> FeatureMap {
        precondition(nearness.count == width * height, "nearness map needs width * height bytes")
        var values = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            let sy = y * height / size
            for x in 0..<size {
                let sx = x * width / size
                values[y * size + x] = (Float(nearness[sy * width + sx]) / 255 - 0.5) / 0.5
            }
        }
        return FeatureMap(channels: 1, height: size, width: size, values: values)
    }

    /// Metric depth straight to the model input.
    public static func modelInput(_ depth: DepthImage, size: Int) -> FeatureMap {
        modelInput(nearness: nearnessBytes(depth), width: depth.width, height: depth.height, size: size)
    }

    /// A decoded map (model space, larger = nearer) min-max normalised to [0, 1] as MolmoAct's
    /// reconstruction script saves it; absolute scale is lost.
    public static func unitNearness(_ decoded: FeatureMap) -> [Float] {
        guard let lo = decoded.values.min(), let hi = decoded.values.max() else { return [] }
        let span = max(hi - lo, 1e-12)
        return decoded.values.map { ($0 - lo) / span }
    }
}
