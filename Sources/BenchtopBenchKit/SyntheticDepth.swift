import BenchtopCore

/// Analytic depth images for benchmarks and tests (not the product path: scenes are rendered by the renderer).
enum SyntheticDepth {
    /// A table plane seen from an oblique camera with two boxes on it, in metres (row 0 = far edge).
    static func tabletop(width: Int, height: Int) -> DepthImage {
        var values = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let v = Float(y) / Float(height - 1)
                let u = Float(x) / Float(width - 1)
                var d = 2.2 - 1.1 * v + 0.05 * u
                if v >= 0.35 && v < 0.6 && u >= 0.2 && u < 0.45 { d -= 0.25 }
                if v >= 0.55 && v < 0.8 && u >= 0.6 && u < 0.85 { d -= 0.4 }
                values[y * width + x] = d
            }
        }
        return DepthImage(width: width, height: height, values: values)
    }
}
