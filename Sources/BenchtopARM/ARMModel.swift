import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import Foundation

/// The Benchtop ARM (action reasoning model, format `benchtop-arm-v1`): depth codes from the primary image, a
/// visual trace from image features, embedded codes and the instruction, then an action chunk from the wrist
/// image, state, instruction and the trace. Immutable weights; inference runs on one thread through OpenBLAS
/// (call `BLAS.setThreadCount(1)` first for bit-identical repeats); scratch memory lives in an `ARMWorkspace`
/// per caller, so one model may serve several policies. The architecture is fixed in docs/arm.md ("Architecture").
public struct ARMModel: Sendable {
    public let metadata: ARMMetadata
    /// Where the weights came from (a path, or "shipped").
    public let source: String

    let primaryEncoder: ARMFastEncoder
    let wristEncoder: ARMFastEncoder
    let perception: ARMFastPerception
    /// [codebook, 8].
    let depthEmbedding: [Float]
    let depthLinear: DenseLayer
    let trace1, trace2, trace3: DenseLayer
    let action1, action2, action3: DenseLayer
    /// [vocabulary + 1, 64]; row 0 unused.
    let languageEmbedding: [Float]
    let stateMean, stateStd, actionMean, actionStd: [Float]
    let wordIndex: [String: Int]

    public static let imageSize = 128
    public static let codebookSize = 128
    public static let gridSide = 10
    public static let cellCount = gridSide * gridSide
    public static let depthEmbeddingWidth = 8
    public static let languageWidth = 64
    public static let stateFeatureCount = 10
    public static let tracePoints = 5
    public static let actionDimension = 7

    /// Loads weights from a safetensors file; errors name the file, the tensor or metadata key and the expected shape.
    public init(path: String) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch let e as TensorFileError { throw ARMError(e.description) }
        try self.init(file: file, source: path)
    }

    /// The weights shipped with Benchtop (Franka, `molmoact` mode).
    public static func shipped() throws -> ARMModel {
        guard let url = Bundle.module.url(forResource: "benchtop-arm-franka", withExtension: "safetensors", subdirectory: "Resources") else {
            throw ARMError("the shipped weights Resources/benchtop-arm-franka.safetensors are missing from the BenchtopARM bundle")
        }
        return try ARMModel(path: url.path)
    }

    public init(file: SafetensorsFile, source: String) throws {
        metadata = try ARMMetadata(file.metadata, file: file.name)
        self.source = source
        let r = ARMTensorReader(file: file)
        primaryEncoder = ARMFastEncoder(try r.encoder("enc_primary."))
        wristEncoder = ARMFastEncoder(try r.encoder("enc_wrist."))
        perception = ARMFastPerception(
            conv1: PackedConvolution(try r.convolution("perception.conv1", inChannels: 64, outChannels: 128, kernel: 1, stride: 1, padding: 0)),
            conv2: PackedConvolution(
                try r.convolution("perception.conv2", inChannels: 128, outChannels: Self.codebookSize, kernel: 1, stride: 1, padding: 0)))
        depthEmbedding = try r.tensor("depth_embed.embedding.weight", [Self.codebookSize, Self.depthEmbeddingWidth])
        depthLinear = try r.dense("depth_embed.linear", inputs: Self.cellCount * Self.depthEmbeddingWidth, outputs: 128)
        let traceInputs = ARMImageEncoder.featureCount + 128 + Self.languageWidth
        trace1 = try r.dense("trace.fc1", inputs: traceInputs, outputs: 256)
        trace2 = try r.dense("trace.fc2", inputs: 256, outputs: 256)
        trace3 = try r.dense("trace.fc3", inputs: 256, outputs: 2 * Self.tracePoints)
        let actionInputs = ARMImageEncoder.featureCount + Self.stateFeatureCount + Self.languageWidth + 2 * Self.tracePoints
        action1 = try r.dense("action.fc1", inputs: actionInputs, outputs: 512)
        action2 = try r.dense("action.fc2", inputs: 512, outputs: 512)
        action3 = try r.dense("action.fc3", inputs: 512, outputs: metadata.chunk * Self.actionDimension)
        languageEmbedding = try r.tensor("lang.embedding.weight", [metadata.vocabulary.count + 1, Self.languageWidth])
        stateMean = try r.tensor("norm.state_mean", [Self.stateFeatureCount])
        stateStd = try r.tensor("norm.state_std", [Self.stateFeatureCount])
        actionMean = try r.tensor("norm.action_mean", [Self.actionDimension])
        actionStd = try r.tensor("norm.action_std", [Self.actionDimension])
        var index: [String: Int] = [:]
        for (k, word) in metadata.vocabulary.enumerated() where index[word] == nil { index[word] = k + 1 }
        wordIndex = index
    }

    // MARK: - Stages

    /// The trace (x0, y0, ..., x4, y4) in 0 ... 255 primary-image coordinates.
    func trace(primaryFeatures: [Float], codes: [Int], language: [Float]) -> [Float] {
        var embedded = [Float](repeating: 0, count: Self.cellCount * Self.depthEmbeddingWidth)
        for (cell, code) in codes.enumerated() {
            let k = min(max(code, 0), Self.codebookSize - 1)
            for j in 0..<Self.depthEmbeddingWidth { embedded[cell * Self.depthEmbeddingWidth + j] = depthEmbedding[k * Self.depthEmbeddingWidth + j] }
        }
        let depth = depthLinear(embedded, relu: true)
        let hidden = trace2(trace1(primaryFeatures + depth + language, relu: true), relu: true)
        return trace3(hidden).map { 255 / (1 + expf(-$0)) }
    }

    /// The chunk [chunk][7] in the mode's units.
    func actions(wristFeatures: [Float], state: [Float], language: [Float], trace: [Float]) -> [[Float]] {
        let input = wristFeatures + state + language + trace.map { $0 / 255 }
        let out = action3(action2(action1(input, relu: true), relu: true))
        let d = Self.actionDimension
        return (0..<metadata.chunk).map { i in (0..<d).map { j in out[i * d + j] * actionStd[j] + actionMean[j] } }
    }
}
