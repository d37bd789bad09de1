import BenchtopCore
import BenchtopImage
import BenchtopNumerics
import BenchtopPolicy
import BenchtopReasoning
import BenchtopRender

/// Composes the reasoning panel of one tick: the primary image with the predicted trace (magenta) and the
/// executed future TCP path (green), the predicted depth tokens decoded next to the rendered depth and its own
/// tokens (all in the model's nearness space), a per-cell agreement map, optionally the predicted codes as
/// numbers, and the action chunk plotted per dimension over its steps. Headless (CPU), so the mp4s, the contact
/// sheets and the viewer all show the same picture.
public final class ReasoningPanel {
    public let tokenizer: GridDepthQuantizer
    /// Side of one tile in pixels; the panel is 4 x 2 tiles.
    public var tile: Int
    /// Draw the predicted 10 x 10 codes as numbers (red where they differ from the rendered depth's).
    public var showsTokenNumbers: Bool
    private var cacheKey: (Int, Int)?
    private var cache: (pred: FeatureMap?, truth: FeatureMap?, truthDecoded: FeatureMap?, truthCodes: [Int]?)?

    public static let traceColor: (UInt8, UInt8, UInt8) = (255, 40, 200)
    public static let truthColor: (UInt8, UInt8, UInt8) = (40, 230, 90)

    public init(tokenizer: GridDepthQuantizer, tile: Int = 256, showsTokenNumbers: Bool = true) {
        self.tokenizer = tokenizer
        self.tile = tile
        self.showsTokenNumbers = showsTokenNumbers
    }

    public var size: (width: Int, height: Int) { (4 * tile, 2 * tile) }

    /// The panel for tick `index` of `timeline` (the current or a finished episode).
    public func compose(_ timeline: ReasoningTimeline, tick index: Int) -> RGBImage {
        let t = timeline.ticks[index]
        let future = timeline.futurePath(from: t.chunkStart, steps: Int.max)
        return compose(t, depth: timeline.chunkDepth(of: index), future: future, episode: timeline.episode)
    }

    public func compose(_ t: TimelineTick, depth: DepthImage?, future: [SIMD3<Double>], episode: Int = 0) -> RGBImage {
        let T = tile
        var panel = RGBImage(width: 4 * T, height: 2 * T, fill: (24, 24, 28))
        let key = (episode, t.chunkStart)
        if cacheKey.map({ $0 != key }) ?? true {
            cacheKey = key
            let pred = t.reasoning?.depthTokens.flatMap { try? DepthTokens(codes: $0) }.flatMap { try? tokenizer.decode($0) }
            let truth = depth.map { DepthNormalization.modelInput($0, size: tokenizer.inputSize) }
            let truthTokens = depth.flatMap { try? tokenizer.encode($0) }
            cache = (pred, truth, truthTokens.flatMap { try? tokenizer.decode($0) }, truthTokens?.codes)
        }
        let c = cache!
        // Camera with the predicted trace and the executed path.
        if let rgb = t.rgb {
            var img = Self.resized(rgb, to: T)
            let s = Double(T) / 256
            if let cam = t.camera {
                let k = SIMD2(Double(T) / Double(cam.width), Double(T) / Double(cam.height))
                let path = future.compactMap { cam.project($0)?.pixel }.map { $0 * k }
                img.drawPolyline(path, color: Self.truthColor, width: max(1.5, Double(T) / 160), markVertices: false)
            }
            for trace in t.reasoning?.traces ?? [] {
                img.drawPolyline(trace.map { ($0 + 0.5) * s }, color: Self.traceColor, width: max(2, Double(T) / 110))
            }
            blit(img, into: &panel, x: 0, y: 0)
        }
        label(&panel, "camera: trace / executed", 0, 0)
        if let p = c.pred { blit(Self.colorize(p, to: T), into: &panel, x: T, y: 0) }
        label(&panel, c.pred == nil ? "predicted tokens: none" : "predicted tokens", T, 0)
        if let g = c.truth { blit(Self.colorize(g, to: T), into: &panel, x: 2 * T, y: 0) }
        label(&panel, "rendered depth", 2 * T, 0)
        if let g = c.truthDecoded { blit(Self.colorize(g, to: T), into: &panel, x: 3 * T, y: 0) }
        label(&panel, "its tokens", 3 * T, 0)
        // Agreement per cell: green where the codes match, yellow to red with the decoded difference.
        if let codes = t.reasoning?.depthTokens, codes.count == 100, let p = c.pred, let g = c.truth, let gc = c.truthCodes {
            let cells = Self.cellErrors(p, g)
            var img = RGBImage(width: T, height: T)
            for y in 0..<T {
                for x in 0..<T {
                    let cell = (y * 10 / T) * 10 + x * 10 / T
                    let color: (UInt8, UInt8, UInt8)
                    if codes[cell] == gc[cell] {
                        color = (30, 170, 70)
                    } else {
                        let e = min(Double(cells[cell]) / 0.5, 1)
                        color = (230, UInt8(210 * (1 - e)), 30)
                    }
                    let i = (y * T + x) * 3
                    img.pixels[i] = color.0
                    img.pixels[i + 1] = color.1
                    img.pixels[i + 2] = color.2
                }
            }
            blit(img, into: &panel, x: 0, y: T)
            label(&panel, "agreement \(zip(codes, gc).filter { $0 == $1 }.count)/100", 0, T)
            if showsTokenNumbers && T >= 200 {
                var grid = RGBImage(width: T, height: T, fill: (16, 16, 20))
                for cell in 0..<100 {
                    let cx = (cell % 10) * T / 10
                    let cy = (cell / 10) * T / 10
                    grid.drawText("\(codes[cell])", x: cx + 2, y: cy + T / 20 - 3, color: codes[cell] == gc[cell] ? (220, 220, 220) : (255, 80, 80))
                }
                blit(grid, into: &panel, x: T, y: T)
                label(&panel, "codes", T, T)
            }
        }
        plotChunk(t, into: &panel, x: 2 * T, y: T, width: 2 * T, height: T)
        return panel
    }

    // MARK: - Pieces

    private func plotChunk(_ t: TimelineTick, into panel: inout RGBImage, x: Int, y: Int, width: Int, height: Int) {
        guard let dims = t.chunk.first?.count, dims > 0, t.chunk.count > 0 else { return }
        var img = RGBImage(width: width, height: height, fill: (16, 16, 20))
        let strip = Double(height - 12) / Double(dims)
        let colors: [(UInt8, UInt8, UInt8)] = [
            (255, 90, 90), (90, 220, 90), (90, 140, 255), (255, 180, 60), (200, 90, 255), (60, 220, 220), (230, 230, 230),
        ]
        let steps = t.chunk.count
        func px(_ k: Int) -> Double { 30 + Double(k) * Double(width - 40) / Double(max(steps - 1, 1)) }
        for d in 0..<dims {
            let values = t.chunk.map { $0[d] }
            let lo = min(values.min()!, 0)
            let hi = max(values.max()!, 0)
            let span = max(hi - lo, 1e-9)
            let top = 12 + Double(d) * strip
            func py(_ v: Double) -> Double { top + strip - 3 - (v - lo) / span * (strip - 6) }
            img.drawPolyline([SIMD2(30, py(0)), SIMD2(Double(width - 10), py(0))], color: (70, 70, 80), width: 1, markVertices: false)
            img.drawPolyline(
                (0..<steps).map { SIMD2(px($0), py(values[$0])) }, color: colors[d % colors.count], width: 1.5,
                markVertices: steps <= 16)
            img.drawText("\(d)", x: 4, y: Int(top + strip / 2) - 3, color: colors[d % colors.count])
        }
        let cursor = px(min(t.chunkStep, steps - 1))
        img.drawPolyline([SIMD2(cursor, 12), SIMD2(cursor, Double(height))], color: (255, 255, 255), width: 1, markVertices: false)
        blit(img, into: &panel, x: x, y: y)
        label(&panel, "action chunk (\(steps) steps), tick \(t.index)", x, y)
    }

    private func label(_ panel: inout RGBImage, _ text: String, _ x: Int, _ y: Int) {
        for i in 0..<(min(text.count * 6 + 4, tile)) {
            for j in 0..<10 where y + j < panel.height && x + i < panel.width {
                let p = ((y + j) * panel.width + x + i) * 3
                panel.pixels[p] = panel.pixels[p] / 3
                panel.pixels[p + 1] = panel.pixels[p + 1] / 3
                panel.pixels[p + 2] = panel.pixels[p + 2] / 3
            }
        }
        panel.drawText(text, x: x + 2, y: y + 2, color: (255, 255, 255))
    }

    private func blit(_ img: RGBImage, into panel: inout RGBImage, x: Int, y: Int) {
        for row in 0..<img.height where y + row < panel.height {
            let n = min(img.width, panel.width - x)
            guard n > 0 else { continue }
            let src = row * img.width * 3
            let dst = ((y + row) * panel.width + x) * 3
            panel.pixels.replaceSubrange(dst..<dst + n * 3, with: img.pixels[src..<src + n * 3])
        }
    }

    /// Mean absolute difference per 10 x 10 cell of two model-space maps.
    static func cellErrors(_ a: FeatureMap, _ b: FeatureMap) -> [Float] {
        let n = a.width
        let cell = n / 10
        var e = [Float](repeating: 0, count: 100)
        for y in 0..<(cell * 10) { for x in 0..<(cell * 10) { e[(y / cell) * 10 + x / cell] += abs(a.values[y * n + x] - b.values[y * n + x]) } }
        return e.map { $0 / Float(cell * cell) }
    }

    /// A model-space map (nearness in [-1, 1]) with the turbo colormap, nearest-resampled to `side`.
    static func colorize(_ map: FeatureMap, to side: Int) -> RGBImage {
        var img = RGBImage(width: side, height: side)
        for y in 0..<side {
            for x in 0..<side {
                let v = map.values[(y * map.height / side) * map.width + x * map.width / side]
                let c = DepthColormap.turbo(Double(min(max((v + 1) / 2, 0), 1)))
                let i = (y * side + x) * 3
                img.pixels[i] = c.0
                img.pixels[i + 1] = c.1
                img.pixels[i + 2] = c.2
            }
        }
        return img
    }

    static func resized(_ image: RGBImage, to side: Int) -> RGBImage {
        guard image.width != side || image.height != side else { return image }
        var img = RGBImage(width: side, height: side)
        for y in 0..<side {
            for x in 0..<side {
                let s = ((y * image.height / side) * image.width + x * image.width / side) * 3
                let d = (y * side + x) * 3
                img.pixels[d] = image.pixels[s]
                img.pixels[d + 1] = image.pixels[s + 1]
                img.pixels[d + 2] = image.pixels[s + 2]
            }
        }
        return img
    }
}
