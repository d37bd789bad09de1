import BenchtopCore
import BenchtopNumerics
import Foundation

/// Benchtop's built-in depth tokenizer: no download, same token grid and codebook size as MolmoAct.
///
/// Each 32×32 cell of the normalised 320×320 input is area-averaged to 8×8 (a 64-value feature) and replaced by
/// its nearest of 128 centroids; decoding paints each cell with its centroid (4×4 blocks). The centroids are
/// trained by k-means on simulated depth of Benchtop's scenes (`benchtop tokenizer train`). Its codes are not
/// MolmoAct's codes: use `DepthVQVAE` with the released weights to speak the model's language.
public struct GridDepthQuantizer: DepthTokenizer {
    /// Side of the model input (as MolmoAct's VQ-VAE).
    public static let imageSize = 320
    /// Values per cell side after area averaging.
    public static let featureSide = 8
    static var cellSide: Int { imageSize / DepthTokens.gridSide }
    static var block: Int { cellSide / featureSide }
    /// Values per cell feature (64).
    public static var featureCount: Int { featureSide * featureSide }

    /// [codebookSize, featureCount] centroids in model space ([−1, 1], larger = nearer).
    public let codebook: [Float]

    public var inputSize: Int { Self.imageSize }

    public init(codebook: [Float]) {
        precondition(codebook.count == DepthTokens.codebookSize * Self.featureCount, "codebook needs 128 × 64 values")
        self.codebook = codebook
    }

    /// The version shipped with Benchtop (Sources/BenchtopReasoning/Resources), made by
    /// `benchtop tokenizer train --seed 1`.
    public static func builtIn() throws -> GridDepthQuantizer {
        guard let url = Bundle.module.url(forResource: "default-depth-tokenizer", withExtension: "safetensors") else {
            throw TensorFileError(file: "default-depth-tokenizer.safetensors", message: "missing from the BenchtopReasoning resources")
        }
        return try GridDepthQuantizer(path: url.path)
    }

    /// Loads a codebook written by `encoded()`.
    public init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        self.init(codebook: try file.floats("codebook", shape: [DepthTokens.codebookSize, Self.featureCount]))
    }

    /// The codebook as a safetensors file (tensor `codebook`, [128, 64] F32).
    public func encoded() -> Data {
        SafetensorsFile.encode(["codebook": (shape: [DepthTokens.codebookSize, Self.featureCount], values: codebook)])
    }

    // MARK: - Features

    /// The 100 cell features of a model input, row-major cells, each 8×8 row-major (4×4 area averages).
    public static func cellFeatures(_ input: FeatureMap) -> [Float] {
        precondition(
            input.channels == 1 && input.height == imageSize && input.width == imageSize,
            "GridDepthQuantizer expects a 1×320×320 input")
        let g = DepthTokens.gridSide
        let f = featureSide
        let b = block
        var features = [Float](repeating: 0, count: g * g * f * f)
        let scale = 1 / Float(b * b)
        input.values.withUnsafeBufferPointer { x in
            for cy in 0..<g {
                for cx in 0..<g {
                    for fy in 0..<f {
                        for fx in 0..<f {
                            var s: Float = 0
                            for dy in 0..<b {
                                let row = (cy * cellSide + fy * b + dy) * imageSize + cx * cellSide + fx * b
                                for dx in 0..<b { s += x[row + dx] }
                            }
                            features[((cy * g + cx) * f + fy) * f + fx] = s * scale
                        }
                    }
                }
            }
        }
        return features
    }

    /// Index of the nearest centroid (squared L2, first on ties) in a fixed summation order, so training is
    /// bit-reproducible across machines (BLAS kernels may sum in a CPU-dependent order).
    static func nearest(_ feature: UnsafePointer<Float>, _ codebook: UnsafePointer<Float>, count k: Int) -> (Int, Float) {
        let d = featureCount
        var best = 0
        var bestDistance = Float.infinity
        for j in 0..<k {
            let c = codebook + j * d
            var s: Float = 0
            for i in 0..<d {
                let t = feature[i] - c[i]
                s += t * t
            }
            if s < bestDistance {
                bestDistance = s
                best = j
            }
        }
        return (best, bestDistance)
    }

    // MARK: - DepthTokenizer

    public func encode(modelInput: FeatureMap) throws -> DepthTokens {
        let features = Self.cellFeatures(modelInput)
        let d = Self.featureCount
        let codes = features.withUnsafeBufferPointer { f in
            codebook.withUnsafeBufferPointer { c in
                (0..<DepthTokens.count).map { Self.nearest(f.baseAddress! + $0 * d, c.baseAddress!, count: DepthTokens.codebookSize).0 }
            }
        }
        return try DepthTokens(codes: codes)
    }

    public func decode(_ tokens: DepthTokens) throws -> FeatureMap {
        let size = Self.imageSize
        let g = DepthTokens.gridSide
        let f = Self.featureSide
        let b = Self.block
        var values = [Float](repeating: 0, count: size * size)
        for cell in 0..<DepthTokens.count {
            let centroid = tokens.codes[cell] * Self.featureCount
            let cy = cell / g
            let cx = cell % g
            for y in 0..<Self.cellSide {
                for x in 0..<Self.cellSide {
                    values[(cy * Self.cellSide + y) * size + cx * Self.cellSide + x] = codebook[centroid + (y / b) * f + x / b]
                }
            }
        }
        return FeatureMap(channels: 1, height: size, width: size, values: values)
    }

    // MARK: - Training

    /// Trains the codebook by k-means (k-means++ seeding from `seed`, then `iterations` Lloyd steps) on the cell
    /// features of `inputs` (1×320×320 model inputs). Same inputs and seed give the same bits.
    public static func train(inputs: [FeatureMap], seed: UInt64, iterations: Int = 30) -> GridDepthQuantizer {
        let d = featureCount
        let k = DepthTokens.codebookSize
        var data: [Float] = []
        for input in inputs { data += cellFeatures(input) }
        let n = data.count / d
        precondition(n >= k, "k-means needs at least \(k) cells")
        var rng = SeededRandom(seed: seed).fork("depth-tokenizer-kmeans")
        var centroids = [Float](repeating: 0, count: k * d)
        var assignment = [Int](repeating: 0, count: n)
        var distance = [Float](repeating: .infinity, count: n)
        data.withUnsafeBufferPointer { x in
            // k-means++: each next centroid drawn with probability ∝ squared distance to the nearest chosen one.
            var chosen = Int(rng.uniform(0, Double(n)))
            for c in 0..<k {
                for i in 0..<d { centroids[c * d + i] = x[chosen * d + i] }
                var total = 0.0
                centroids.withUnsafeBufferPointer { cb in
                    for p in 0..<n {
                        let (_, dist) = nearest(x.baseAddress! + p * d, cb.baseAddress! + c * d, count: 1)
                        if dist < distance[p] { distance[p] = dist }
                        total += Double(distance[p])
                    }
                }
                if c == k - 1 { break }
                var target = rng.uniform(0, total)
                var next = n - 1
                if total > 0 {
                    for p in 0..<n {
                        target -= Double(distance[p])
                        if target < 0 {
                            next = p
                            break
                        }
                    }
                } else {
                    next = Int(rng.uniform(0, Double(n)))
                }
                chosen = next
            }
            for _ in 0..<iterations {
                var changed = false
                centroids.withUnsafeBufferPointer { cb in
                    for p in 0..<n {
                        let (best, dist) = nearest(x.baseAddress! + p * d, cb.baseAddress!, count: k)
                        if best != assignment[p] {
                            changed = true
                            assignment[p] = best
                        }
                        distance[p] = dist
                    }
                }
                var sums = [Double](repeating: 0, count: k * d)
                var counts = [Int](repeating: 0, count: k)
                for p in 0..<n {
                    counts[assignment[p]] += 1
                    for i in 0..<d { sums[assignment[p] * d + i] += Double(x[p * d + i]) }
                }
                var taken = Set<Int>()
                for c in 0..<k {
                    if counts[c] > 0 {
                        for i in 0..<d { centroids[c * d + i] = Float(sums[c * d + i] / Double(counts[c])) }
                    } else {
                        // An empty cluster restarts at the worst-fitted cell not already used.
                        var worst = 0
                        for p in 0..<n where !taken.contains(p) && distance[p] > distance[worst] { worst = p }
                        taken.insert(worst)
                        distance[worst] = 0
                        for i in 0..<d { centroids[c * d + i] = x[worst * d + i] }
                        changed = true
                    }
                }
                if !changed { break }
            }
        }
        return GridDepthQuantizer(codebook: centroids)
    }
}
