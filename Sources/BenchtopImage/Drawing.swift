import BenchtopCore

extension RGBImage {
    /// Draws an anti-aliasing-free polyline of the given width (pixels) through points in pixel coordinates
    /// (x right, y down, pixel centres at +0.5), with a dot on each vertex. Points outside are clipped.
    public mutating func drawPolyline(
        _ points: [SIMD2<Double>], color: (UInt8, UInt8, UInt8), width: Double = 2,
        markVertices: Bool = true
    ) {
        let radius = max(width / 2, 0.5)
        for (a, b) in zip(points, points.dropFirst()) { drawSegment(a, b, radius: radius, color: color) }
        if markVertices { for p in points { fillDisc(center: p, radius: radius * 1.8, color: color) } }
        if points.count == 1 { fillDisc(center: points[0], radius: radius * 1.8, color: color) }
    }

    /// Fills the pixels whose centres lie within `radius` of the segment from `a` to `b`.
    public mutating func drawSegment(_ a: SIMD2<Double>, _ b: SIMD2<Double>, radius: Double, color: (UInt8, UInt8, UInt8)) {
        let lo = pointwiseMin(a, b) - radius
        let hi = pointwiseMax(a, b) + radius
        let x0 = max(0, Int(lo.x.rounded(.down)))
        let x1 = min(width - 1, Int(hi.x.rounded(.up)))
        let y0 = max(0, Int(lo.y.rounded(.down)))
        let y1 = min(height - 1, Int(hi.y.rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let d = b - a
        let len2 = max((d * d).sum(), 1e-12)
        for y in y0...y1 {
            for x in x0...x1 {
                let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                let t = min(max(((p - a) * d).sum() / len2, 0), 1)
                let q = a + d * t - p
                if (q * q).sum() <= radius * radius { self[x, y] = (color.0, color.1, color.2) }
            }
        }
    }

    /// Fills a disc.
    public mutating func fillDisc(center: SIMD2<Double>, radius: Double, color: (UInt8, UInt8, UInt8)) {
        drawSegment(center, center, radius: radius, color: color)
    }
}
