import BenchtopCore
import BenchtopNumerics
import Foundation

/// Hyper-parameters of MolmoAct's depth VQ-VAE (docs/reference/molmoact.md §12).
public struct DepthVQVAEConfiguration: Sendable, Equatable, Codable {
    public var imageSize: Int
    public var downsampleRatio: Int
    public var hiddenDim: Int
    public var codebookSize: Int
    public var codebookDim: Int
    public var residualBlocks: Int

    public init(
        imageSize: Int, downsampleRatio: Int, hiddenDim: Int, codebookSize: Int, codebookDim: Int,
        residualBlocks: Int
    ) {
        self.imageSize = imageSize
        self.downsampleRatio = downsampleRatio
        self.hiddenDim = hiddenDim
        self.codebookSize = codebookSize
        self.codebookDim = codebookDim
        self.residualBlocks = residualBlocks
    }

    /// The released MolmoAct configuration: 320 px, ratio 32 (10×10 tokens), hidden 16, 128×512 codebook,
    /// 2 residual blocks.
    public static let molmoAct = DepthVQVAEConfiguration(
        imageSize: 320, downsampleRatio: 32, hiddenDim: 16,
        codebookSize: 128, codebookDim: 512, residualBlocks: 2)

    /// Stride-2 convolutions after the first: log2(ratio) − 1.
    public var layerCount: Int { downsampleRatio.trailingZeroBitCount - 1 }
    /// Token grid side: imageSize / downsampleRatio.
    public var gridSide: Int { imageSize / downsampleRatio }
    /// Channels at the bottleneck: hiddenDim · ratio / 2.
    public var bottleneckChannels: Int { hiddenDim * downsampleRatio / 2 }

    /// Throws unless the ratio is a power of two ≥ 2 dividing the image size.
    public func validate() throws {
        guard downsampleRatio >= 2, downsampleRatio & (downsampleRatio - 1) == 0, imageSize % downsampleRatio == 0,
            hiddenDim > 0, codebookSize > 0, codebookDim > 0, residualBlocks >= 0
        else {
            throw TensorFileError(
                file: "configuration",
                message: "invalid VQ-VAE configuration \(self): the downsample ratio must be a power of two ≥ 2 dividing the image size")
        }
    }
}

/// `y = x + net(x)`, net = conv3×3, ReLU, conv3×3, ReLU, conv1×1 (MolmoAct's `ResBlock_v1`, no normalisation).
struct ResidualBlock: Sendable {
    let conv1: Convolution2D, conv2: Convolution2D, conv3: Convolution2D

    /// The 3×3 convolutions run Winograd where the CPU has the vector kernels: at the 10×10 grid they are half
    /// the encoder's work (and most of the decoder's blocks), and OpenBLAS reaches only part of its rate on their
    /// thin products.
    init(conv1: Convolution2D, conv2: Convolution2D, conv3: Convolution2D) {
        self.conv1 = conv1.using(.vectorKernels)
        self.conv2 = conv2.using(.vectorKernels)
        self.conv3 = conv3
    }

    /// `afterEach` is called as each of the three convolutions is done (the third with the residual added).
    func callAsFunction(_ x: FeatureMap, afterEach: () -> Void = {}) -> FeatureMap {
        let a = conv1(x, relu: true)
        afterEach()
        let b = conv2(a, relu: true)
        afterEach()
        var y = conv3(b)
        y.add(x)
        afterEach()
        return y
    }
}

/// MolmoAct's depth VQ-VAE: convolutional encoder, nearest-codebook quantiser, transposed-convolution decoder,
/// forward passes on OpenBLAS sgemm. Load the released weights with `init(configuration:weightsPath:)` after
/// converting `vae-final.pt` (docs/depth-tokens.md).
public struct DepthVQVAE: DepthTokenizer {
    public let configuration: DepthVQVAEConfiguration
    let encoderConvs: [Convolution2D]
    let encoderBlocks: [ResidualBlock]
    let encoderProjection: Convolution2D
    /// [codebookSize, codebookDim], row-major.
    public let codebook: [Float]
    let codebookNorms: [Float]
    let decoderProjection: Convolution2D
    let decoderBlocks: [ResidualBlock]
    let decoderDeconvs: [TransposedConvolution2D]
    let decoderOutput: Convolution2D

    public var inputSize: Int { configuration.imageSize }

    /// Loads weights named as in MolmoAct's state_dict (`encoder.0.weight`, `_vq_vae._embedding`, …, with any
    /// `module.` prefix already stripped) from a safetensors file.
    public init(configuration: DepthVQVAEConfiguration = .molmoAct, weightsPath: String) throws {
        try self.init(configuration: configuration, weights: SafetensorsFile(path: weightsPath))
    }

    /// Loads weights from a parsed safetensors file; every tensor's shape is checked.
    public init(configuration c: DepthVQVAEConfiguration, weights file: SafetensorsFile) throws {
        try c.validate()
        func conv(_ key: String, _ inC: Int, _ outC: Int, _ k: Int, stride: Int = 1, padding: Int = 0) throws -> Convolution2D {
            Convolution2D(
                inChannels: inC, outChannels: outC, kernel: k, stride: stride, padding: padding,
                weight: try file.floats("\(key).weight", shape: [outC, inC, k, k]),
                bias: try file.floats("\(key).bias", shape: [outC]))
        }
        func deconv(_ key: String, _ inC: Int, _ outC: Int) throws -> TransposedConvolution2D {
            TransposedConvolution2D(
                inChannels: inC, outChannels: outC, kernel: 4, stride: 2, padding: 1,
                weight: try file.floats("\(key).weight", shape: [inC, outC, 4, 4]),
                bias: try file.floats("\(key).bias", shape: [outC]))
        }
        func block(_ key: String, _ ch: Int) throws -> ResidualBlock {
            ResidualBlock(
                conv1: try conv("\(key).net.0", ch, ch, 3, padding: 1),
                conv2: try conv("\(key).net.2", ch, ch, 3, padding: 1),
                conv3: try conv("\(key).net.4", ch, ch, 1))
        }
        try self.init(
            configuration: c, conv: conv, deconv: deconv, block: block,
            codebook: { try file.floats("_vq_vae._embedding", shape: [c.codebookSize, c.codebookDim]) })
    }

    /// Random weights of the configuration's shapes (He-normal, small biases) and a Gaussian codebook,
    /// reproducible from `seed`: for benchmarks and tests, not for meaningful tokens.
    public init(configuration c: DepthVQVAEConfiguration, randomSeed seed: UInt64) throws {
        try c.validate()
        var rng = SeededRandom(seed: seed)
        func normal(_ n: Int, _ std: Double) -> [Float] { (0..<n).map { _ in Float(rng.gaussian(standardDeviation: std)) } }
        func bias(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.uniform(-0.1, 0.1)) } }
        func conv(_ key: String, _ inC: Int, _ outC: Int, _ k: Int, stride: Int = 1, padding: Int = 0) -> Convolution2D {
            Convolution2D(
                inChannels: inC, outChannels: outC, kernel: k, stride: stride, padding: padding,
                weight: normal(outC * inC * k * k, (2.0 / Double(inC * k * k)).squareRoot()), bias: bias(outC))
        }
        func deconv(_ key: String, _ inC: Int, _ outC: Int) -> TransposedConvolution2D {
            TransposedConvolution2D(
                inChannels: inC, outChannels: outC, kernel: 4, stride: 2, padding: 1,
                weight: normal(inC * outC * 16, (2.0 / Double(inC * 4)).squareRoot()), bias: bias(outC))
        }
        func block(_ key: String, _ ch: Int) -> ResidualBlock {
            ResidualBlock(conv1: conv("", ch, ch, 3, padding: 1), conv2: conv("", ch, ch, 3, padding: 1), conv3: conv("", ch, ch, 1))
        }
        try self.init(
            configuration: c, conv: conv, deconv: deconv, block: block,
            codebook: { normal(c.codebookSize * c.codebookDim, 1) })
    }

    /// Builds the layer stack with the state_dict indices of MolmoAct's `nn.Sequential`s.
    private init(
        configuration c: DepthVQVAEConfiguration,
        conv: (String, Int, Int, Int, Int, Int) throws -> Convolution2D,
        deconv: (String, Int, Int) throws -> TransposedConvolution2D,
        block: (String, Int) throws -> ResidualBlock,
        codebook loadCodebook: () throws -> [Float]
    ) throws {
        configuration = c
        // Encoder: conv(1→h)+ReLU, layerCount × conv(×2)+ReLU, residual blocks, 1×1 conv to codebookDim.
        var index = 0
        var convs = [try conv("encoder.0", 1, c.hiddenDim, 4, 2, 1)]
        var channels = c.hiddenDim
        index = 2
        for _ in 0..<c.layerCount {
            convs.append(try conv("encoder.\(index)", channels, 2 * channels, 4, 2, 1))
            channels *= 2
            index += 2
        }
        var blocks: [ResidualBlock] = []
        for _ in 0..<c.residualBlocks {
            blocks.append(try block("encoder.\(index)", channels))
            index += 1
        }
        // The strided convolutions run on the vector kernels' products where the CPU has them (filters packed once).
        encoderConvs = convs.map { $0.using(.vectorKernels) }
        encoderBlocks = blocks
        encoderProjection = try conv("encoder.\(index)", channels, c.codebookDim, 1, 1, 0)
        let codebook = try loadCodebook()
        self.codebook = codebook
        codebookNorms = (0..<c.codebookSize).map { k in
            var s: Float = 0
            for j in 0..<c.codebookDim { s += codebook[k * c.codebookDim + j] * codebook[k * c.codebookDim + j] }
            return s
        }
        // Decoder: 1×1 conv+ReLU, residual blocks, (1 + layerCount) transposed convs+ReLU, 1×1 conv to 1 channel.
        channels = c.bottleneckChannels
        decoderProjection = try conv("decoder.0", c.codebookDim, channels, 1, 1, 0)
        index = 2
        blocks = []
        for _ in 0..<c.residualBlocks {
            blocks.append(try block("decoder.\(index)", channels))
            index += 1
        }
        decoderBlocks = blocks
        var deconvs = [try deconv("decoder.\(index)", channels, channels)]
        index += 2
        for _ in 0..<c.layerCount {
            deconvs.append(try deconv("decoder.\(index)", channels, channels / 2))
            channels /= 2
            index += 2
        }
        decoderDeconvs = deconvs
        decoderOutput = try conv("decoder.\(index)", channels, 1, 1, 1, 0)
    }

    // MARK: - Forward passes

    /// Encoder features before quantisation: codebookDim × grid × grid.
    public func features(_ input: FeatureMap) -> FeatureMap {
        features(input, afterEachLayer: { _ in })
    }

    /// The encoder's layers in the order `features(_:afterEachLayer:)` reports them, e.g. "conv 16->32 4x4/2".
    public var encoderLayerNames: [String] {
        encoderConvs.map { "conv \($0.inChannels)->\($0.outChannels) \($0.kernel)x\($0.kernel)/\($0.stride)" }
            + encoderBlocks.indices.flatMap { k in
                ["conv 3x3 (1)", "conv 3x3 (2)", "conv 1x1 + residual"].map { "block \(k + 1) \($0)" }
            } + ["projection 1x1"]
    }

    /// `features`, calling `afterEachLayer` with the index (into `encoderLayerNames`) of each layer when it is done,
    /// for timing where the time goes.
    public func features(_ input: FeatureMap, afterEachLayer: (Int) -> Void) -> FeatureMap {
        precondition(
            input.channels == 1 && input.height == inputSize && input.width == inputSize,
            "DepthVQVAE expects a 1×\(inputSize)×\(inputSize) input")
        var x = input
        var layer = 0
        for conv in encoderConvs {
            x = conv(x, relu: true)
            afterEachLayer(layer)
            layer += 1
        }
        for block in encoderBlocks {
            x = block(x) {
                afterEachLayer(layer)
                layer += 1
            }
        }
        let projected = encoderProjection(x)
        afterEachLayer(layer)
        return projected
    }

    /// The nearest codebook row (squared L2, first index on ties) for each feature position, row-major.
    public func quantize(_ features: FeatureMap) -> [Int] {
        let n = features.height * features.width
        let k = configuration.codebookSize
        let d = configuration.codebookDim
        precondition(features.channels == d, "quantize expects \(d) feature channels")
        var dots = [Float](repeating: 0, count: n * k)
        // dots[p, j] = z_p · e_j, with z stored channel-major (d × n).
        features.values.withUnsafeBufferPointer { z in
            codebook.withUnsafeBufferPointer { e in
                dots.withUnsafeMutableBufferPointer { out in
                    BLAS.sgemm(
                        transposeA: true, transposeB: true, m: n, n: k, k: d, a: z.baseAddress!, lda: n,
                        b: e.baseAddress!, ldb: d, c: out.baseAddress!, ldc: k)
                }
            }
        }
        var codes = [Int](repeating: 0, count: n)
        for p in 0..<n {
            var zz: Float = 0
            for c in 0..<d {
                let v = features.values[c * n + p]
                zz += v * v
            }
            var best = 0
            var bestDistance = Float.infinity
            for j in 0..<k {
                let distance = zz + codebookNorms[j] - 2 * dots[p * k + j]
                if distance < bestDistance {
                    bestDistance = distance
                    best = j
                }
            }
            codes[p] = best
        }
        return codes
    }

    /// Codebook rows for `codes` laid out as codebookDim × grid × grid.
    public func embed(_ codes: [Int]) -> FeatureMap {
        let g = configuration.gridSide
        let d = configuration.codebookDim
        let n = g * g
        precondition(codes.count == n, "embed expects \(n) codes")
        var values = [Float](repeating: 0, count: d * n)
        for (p, code) in codes.enumerated() {
            precondition(code >= 0 && code < configuration.codebookSize, "code \(code) outside the codebook")
            for c in 0..<d { values[c * n + p] = codebook[code * d + c] }
        }
        return FeatureMap(channels: d, height: g, width: g, values: values)
    }

    /// The decoder's raw output (1 × imageSize × imageSize) for a codebookDim × grid × grid map.
    public func decode(embedding: FeatureMap) -> FeatureMap {
        var x = decoderProjection(embedding, relu: true)
        for block in decoderBlocks { x = block(x) }
        for deconv in decoderDeconvs { x = deconv(x, relu: true) }
        return decoderOutput(x)
    }

    /// Codes for a model input (row-major grid).
    public func codes(for input: FeatureMap) -> [Int] { quantize(features(input)) }

    /// The decoder's output for row-major codes.
    public func decode(codes: [Int]) -> FeatureMap { decode(embedding: embed(codes)) }

    // MARK: - DepthTokenizer

    public func encode(modelInput: FeatureMap) throws -> DepthTokens {
        try checkTokenGrid()
        return try DepthTokens(codes: codes(for: modelInput))
    }

    public func decode(_ tokens: DepthTokens) throws -> FeatureMap {
        try checkTokenGrid()
        return decode(codes: tokens.codes)
    }

    private func checkTokenGrid() throws {
        guard configuration.gridSide == DepthTokens.gridSide, configuration.codebookSize == DepthTokens.codebookSize else {
            throw TensorFileError(
                file: "configuration",
                message:
                    "a \(configuration.gridSide)×\(configuration.gridSide) grid of \(configuration.codebookSize) codes is not MolmoAct's 10×10 grid of 128 codes"
            )
        }
    }
}
