import BenchtopCore

/// Colourises depth maps with the Turbo colour map: near is warm (red), far is cold (blue).
public enum DepthColormap {
    /// Maps depth in [near, far] to Turbo colours, near warm (red) and far cold (blue); values outside clamp.
    /// The darkest ends of Turbo are skipped so that every depth stays readable.
    public static func colorize(_ depth: DepthImage, near: Float, far: Float) -> RGBImage {
        var out = RGBImage(width: depth.width, height: depth.height)
        let span = max(far - near, 1e-6)
        for i in 0..<depth.values.count {
            let t = 0.1 + 0.85 * (1 - min(max((depth.values[i] - near) / span, 0), 1))
            let (r, g, b) = turbo(Double(t))
            out.pixels[3 * i] = r
            out.pixels[3 * i + 1] = g
            out.pixels[3 * i + 2] = b
        }
        return out
    }

    /// Colourises using the image's own finite minimum and maximum.
    public static func colorize(_ depth: DepthImage) -> RGBImage {
        let finite = depth.values.filter { $0.isFinite }
        return colorize(depth, near: finite.min() ?? 0, far: finite.max() ?? 1)
    }

    /// Turbo (Mikhailov 2019), polynomial approximation; t in 0 ... 1 from blue to red.
    public static func turbo(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let x = min(max(t, 0), 1)
        let r = 0.13572138 + x * (4.61539260 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))))
        let g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))))
        let b = 0.10667330 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))))
        func byte(_ v: Double) -> UInt8 { UInt8(min(max(v, 0), 1) * 255 + 0.5) }
        return (byte(r), byte(g), byte(b))
    }
}
