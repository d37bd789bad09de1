import BenchtopCore
import Foundation

/// Edits of a predicted visual trace (points in MolmoAct's 0 ... 255 coordinates of the primary image).
/// Applied in this order: replace, scale and rotate about the trace's first point (where the gripper is),
/// offset; the result is clamped to the image.
public struct TracePerturbation: Sendable, Equatable {
    /// Pixels in 0 ... 255 coordinates, added to every point.
    public var offset: SIMD2<Double>?
    /// Factor about the first point.
    public var scale: Double?
    /// Degrees about the first point (positive turns +x towards +y, i.e. clockwise on screen).
    public var rotationDegrees: Double?
    /// A user-drawn trace that replaces the predicted one.
    public var replacement: [SIMD2<Double>]?

    public init(offset: SIMD2<Double>? = nil, scale: Double? = nil, rotationDegrees: Double? = nil, replacement: [SIMD2<Double>]? = nil) {
        self.offset = offset
        self.scale = scale
        self.rotationDegrees = rotationDegrees
        self.replacement = replacement
    }

    public func apply(to trace: [SIMD2<Double>]) -> [SIMD2<Double>] {
        var points = replacement ?? trace
        guard let pivot = points.first else { return points }
        let angle = (rotationDegrees ?? 0) * .pi / 180
        let (c, s) = (cos(angle), sin(angle))
        let k = scale ?? 1
        points = points.map { p in
            let d = (p - pivot) * k
            var q = pivot + SIMD2(c * d.x - s * d.y, s * d.x + c * d.y)
            q += offset ?? .zero
            return SIMD2(min(max(q.x, 0), 255), min(max(q.y, 0), 255))
        }
        return points
    }
}

/// Edits of the 10 x 10 depth-token grid (codes 0 ..< 128, row-major).
public struct DepthTokenPerturbation: Sendable, Equatable {
    /// Fraction of the cells whose code is replaced with a uniformly random code.
    public var randomFraction: Double?
    /// Cells [column0, row0, column1, row1) set to `maskCode`.
    public var mask: [Int]?
    public var maskCode: Int
    /// Moves the grid by (columns, rows); cells shifted in from outside repeat the edge.
    public var shift: SIMD2<Int>?

    public static let side = 10
    public static let codebookSize = 128

    public init(randomFraction: Double? = nil, mask: [Int]? = nil, maskCode: Int = 0, shift: SIMD2<Int>? = nil) {
        self.randomFraction = randomFraction
        self.mask = mask
        self.maskCode = maskCode
        self.shift = shift
    }

    /// The edited codes; `random` draws the replaced cells and their codes.
    public func apply(to codes: [Int], random: inout SeededRandom) -> [Int] {
        let n = Self.side
        guard codes.count == n * n else { return codes }
        var out = codes
        if let shift {
            out = (0..<n * n).map { i in
                let r = min(max(i / n - shift.y, 0), n - 1)
                let c = min(max(i % n - shift.x, 0), n - 1)
                return codes[r * n + c]
            }
        }
        if let m = mask, m.count == 4 {
            for r in max(m[1], 0)..<min(m[3], n) where m[1] < m[3] {
                for c in max(m[0], 0)..<min(m[2], n) where m[0] < m[2] { out[r * n + c] = maskCode }
            }
        }
        if let f = randomFraction, f > 0 {
            // A seeded partial Fisher-Yates picks exactly round(f * 100) distinct cells.
            let count = min(n * n, Int((f * Double(n * n)).rounded()))
            var cells = Array(0..<(n * n))
            for k in 0..<count {
                let j = k + Int(random.next() % UInt64(n * n - k))
                cells.swapAt(k, j)
                out[cells[k]] = Int(random.next() % UInt64(Self.codebookSize))
            }
        }
        return out
    }
}

/// One gripper channel of an action vector: its index and its encoded closed and open values.
public struct GripperChannel: Sendable, Equatable {
    public var index: Int
    public var closedValue: Double
    public var openValue: Double
    public init(index: Int, closedValue: Double, openValue: Double) {
        self.index = index
        self.closedValue = closedValue
        self.openValue = openValue
    }
    /// The value with the aperture mirrored (open <-> closed).
    public func flipped(_ v: Double) -> Double { closedValue + openValue - v }
}

/// Edits of an action chunk, in the control mode's units.
public struct ActionPerturbation: Sendable, Equatable {
    /// Gaussian standard deviation: one value for every non-gripper channel, or one per channel.
    public var noise: [Double]?
    /// Added: one value for every non-gripper channel, or one per channel.
    public var bias: [Double]?
    /// Multiplied: one value for every non-gripper channel, or one per channel.
    public var scale: [Double]?
    /// Probability that a new chunk is lost: the robot goes on with the previous chunk's unexecuted actions
    /// (then holds its last action), as when an answer never arrives.
    public var dropProbability: Double?
    /// Ticks a new chunk arrives late: its first `delay` actions are replaced by the previous chunk's
    /// unexecuted actions (then its last action), as real-time timing does with a slow policy.
    public var delayTicks: Int?
    /// Probability, per chunk, that every gripper value of the chunk is mirrored (open <-> closed).
    public var gripperFlipProbability: Double?

    public init(
        noise: [Double]? = nil, bias: [Double]? = nil, scale: [Double]? = nil, dropProbability: Double? = nil,
        delayTicks: Int? = nil, gripperFlipProbability: Double? = nil
    ) {
        self.noise = noise
        self.bias = bias
        self.scale = scale
        self.dropProbability = dropProbability
        self.delayTicks = delayTicks
        self.gripperFlipProbability = gripperFlipProbability
    }

    /// What happened to one chunk.
    public struct Effect: Sendable, Equatable {
        public var dropped = false
        public var delayed = 0
        public var gripperFlipped = false
    }

    /// Per-channel values of a broadcastable list (nil entries: channel untouched).
    static func perChannel(_ values: [Double]?, dimension: Int, grippers: Set<Int>) -> [Double?] {
        guard let values else { return Array(repeating: nil, count: dimension) }
        if values.count == 1 { return (0..<dimension).map { grippers.contains($0) ? nil : values[0] } }
        return (0..<dimension).map { $0 < values.count ? values[$0] : nil }
    }

    /// Checks list lengths against the action dimension.
    public func validate(dimension: Int) throws {
        for (name, list) in [("noise", noise), ("bias", bias), ("scale", scale)] {
            if let list, list.count != 1 && list.count != dimension {
                throw PerturbationError(
                    "actions.\(name): \(list.count) values; expected 1 (every non-gripper channel) or \(dimension) (one per channel)")
            }
        }
    }

    /// Edits `actions` in place. `previous` is what the robot would do without this chunk: the previous chunk's
    /// unexecuted actions and then its last action (nil at the episode's first chunk, which is never dropped
    /// or delayed: there is nothing to go on with).
    public func apply(to actions: inout [[Double]], previous: [[Double]]?, grippers: [GripperChannel], random: inout SeededRandom) -> Effect {
        var effect = Effect()
        guard let dimension = actions.first?.count else { return effect }
        let gripperSet = Set(grippers.map(\.index))
        // Draw every random decision in a fixed order so one field's value never shifts another's stream.
        let dropDraw = random.uniform(0, 1)
        let flipDraw = random.uniform(0, 1)
        var noiseStream = random.fork("noise")
        if let p = dropProbability, dropDraw < p, let previous, !previous.isEmpty {
            actions = previous
            effect.dropped = true
            return effect
        }
        if let d = delayTicks, d > 0, let previous, !previous.isEmpty {
            let late = min(d, actions.count)
            actions.replaceSubrange(0..<late, with: (0..<late).map { previous[min($0, previous.count - 1)] })
            effect.delayed = late
        }
        let noiseBy = Self.perChannel(noise, dimension: dimension, grippers: gripperSet)
        let biasBy = Self.perChannel(bias, dimension: dimension, grippers: gripperSet)
        let scaleBy = Self.perChannel(scale, dimension: dimension, grippers: gripperSet)
        for i in effect.delayed..<actions.count {
            for c in 0..<dimension {
                var v = actions[i][c]
                if let k = scaleBy[c] { v *= k }
                if let b = biasBy[c] { v += b }
                if let s = noiseBy[c], s > 0 { v += noiseStream.gaussian(standardDeviation: s) }
                actions[i][c] = v
            }
        }
        if let p = gripperFlipProbability, flipDraw < p {
            for i in effect.delayed..<actions.count {
                for g in grippers where g.index < dimension { actions[i][g.index] = g.flipped(actions[i][g.index]) }
            }
            effect.gripperFlipped = true
        }
        return effect
    }
}

/// Edits of the camera images a policy sees (RGB only: depth stays the sensor's, except for jitter, which
/// moves both so that steering lifts points consistently).
public struct ObservationPerturbation: Sendable, Equatable {
    /// Gaussian standard deviation in 0 ... 255 units, per channel.
    public var noise: Double?
    /// Box blur radius in pixels.
    public var blur: Int?
    /// Side of a grey square patch as a fraction of the image's smaller side; placed at a seeded spot, fixed
    /// for the episode (a smudge on the lens).
    public var occlusion: Double?
    /// Image-space camera jitter: a seeded shift of up to this many pixels in x and y, new at every observation.
    public var jitter: Int?
    /// Cameras to perturb (default: all).
    public var cameras: [String]?

    public init(noise: Double? = nil, blur: Int? = nil, occlusion: Double? = nil, jitter: Int? = nil, cameras: [String]? = nil) {
        self.noise = noise
        self.blur = blur
        self.occlusion = occlusion
        self.jitter = jitter
        self.cameras = cameras
    }

    /// Perturbs one camera's images. `episode` draws per-episode choices (the patch), `observation` per-frame ones.
    public func apply(rgb: inout RGBImage, depth: inout DepthImage?, episode: SeededRandom, observation: SeededRandom) {
        var frame = observation
        if let j = jitter, j > 0 {
            let dx = Int(frame.next() % UInt64(2 * j + 1)) - j
            let dy = Int(frame.next() % UInt64(2 * j + 1)) - j
            rgb = Self.shifted(rgb, dx: dx, dy: dy)
            if let d = depth { depth = Self.shifted(d, dx: dx, dy: dy) }
        }
        if let r = blur, r > 0 { rgb = Self.boxBlur(rgb, radius: r) }
        if let f = occlusion, f > 0 {
            var e = episode.fork("occlusion")
            let side = max(1, Int((f * Double(min(rgb.width, rgb.height))).rounded()))
            let x0 = Int(e.next() % UInt64(max(rgb.width - side + 1, 1)))
            let y0 = Int(e.next() % UInt64(max(rgb.height - side + 1, 1)))
            for y in y0..<min(y0 + side, rgb.height) {
                for x in x0..<min(x0 + side, rgb.width) { for c in 0..<3 { rgb.pixels[(y * rgb.width + x) * 3 + c] = 128 } }
            }
        }
        if let s = noise, s > 0 {
            var n = frame.fork("noise")
            for i in rgb.pixels.indices {
                rgb.pixels[i] = UInt8(min(max((Double(rgb.pixels[i]) + n.gaussian(standardDeviation: s)).rounded(), 0), 255))
            }
        }
    }

    static func shifted(_ image: RGBImage, dx: Int, dy: Int) -> RGBImage {
        var out = image
        for y in 0..<image.height {
            let sy = min(max(y - dy, 0), image.height - 1)
            for x in 0..<image.width {
                let sx = min(max(x - dx, 0), image.width - 1)
                for c in 0..<3 { out.pixels[(y * image.width + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
            }
        }
        return out
    }

    static func shifted(_ image: DepthImage, dx: Int, dy: Int) -> DepthImage {
        var out = image
        for y in 0..<image.height {
            let sy = min(max(y - dy, 0), image.height - 1)
            for x in 0..<image.width { out.values[y * image.width + x] = image.values[sy * image.width + min(max(x - dx, 0), image.width - 1)] }
        }
        return out
    }

    /// Separable box blur with clamped edges.
    static func boxBlur(_ image: RGBImage, radius r: Int) -> RGBImage {
        let w = image.width
        let h = image.height
        var tmp = [Int](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var s = 0
                    for k in -r...r { s += Int(image.pixels[(y * w + min(max(x + k, 0), w - 1)) * 3 + c]) }
                    tmp[(y * w + x) * 3 + c] = s
                }
            }
        }
        var out = image
        let n = (2 * r + 1) * (2 * r + 1)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var s = 0
                    for k in -r...r { s += tmp[(min(max(y + k, 0), h - 1) * w + x) * 3 + c] }
                    out.pixels[(y * w + x) * 3 + c] = UInt8((s + n / 2) / n)
                }
            }
        }
        return out
    }
}

/// A bad perturbation spec or a perturbation that does not fit the run.
public struct PerturbationError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
