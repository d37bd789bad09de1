import BenchtopCore
import BenchtopNumerics

/// Maps a depth image to 100 depth tokens and back. Implementations: `DepthVQVAE` (MolmoAct's released
/// VQ-VAE, loaded from converted weights) and `GridDepthQuantizer` (Benchtop's built-in default).
public protocol DepthTokenizer: Sendable {
    /// Side of the square model input in pixels (320 for MolmoAct).
    var inputSize: Int { get }

    /// Tokens for a model input: 1×`inputSize`×`inputSize` nearness in [−1, 1] (see `DepthNormalization`).
    func encode(modelInput: FeatureMap) throws -> DepthTokens

    /// The depth the tokens stand for: 1×`inputSize`×`inputSize` in the model's space (larger = nearer).
    func decode(_ tokens: DepthTokens) throws -> FeatureMap
}

extension DepthTokenizer {
    /// Tokens for metric depth, normalised as MolmoAct's pipeline does.
    public func encode(_ depth: DepthImage) throws -> DepthTokens {
        try encode(modelInput: DepthNormalization.modelInput(depth, size: inputSize))
    }
}
