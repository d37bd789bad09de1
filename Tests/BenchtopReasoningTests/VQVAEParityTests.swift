import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import Foundation
import Testing

/// Parity with tools/vqvae_golden.py (PyTorch): a small configuration with seeded random weights.
@Suite struct VQVAEParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let small = DepthVQVAEConfiguration(
        imageSize: 64, downsampleRatio: 16, hiddenDim: 2, codebookSize: 16,
        codebookDim: 8, residualBlocks: 2)

    func load() throws -> (DepthVQVAE, SafetensorsFile) {
        let weights = try SafetensorsFile(path: Self.fixtures.appendingPathComponent("vqvae_small_weights.safetensors").path)
        let io = try SafetensorsFile(path: Self.fixtures.appendingPathComponent("vqvae_small_io.safetensors").path)
        return (try DepthVQVAE(configuration: Self.small, weights: weights), io)
    }

    /// max |a − b| relative to max |b|.
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var worst: Float = 0
        var scale: Float = 0
        for i in a.indices {
            worst = max(worst, abs(a[i] - b[i]))
            scale = max(scale, abs(b[i]))
        }
        return worst / max(scale, 1e-30)
    }

    @Test func normalisationMatchesReference() throws {
        let (_, io) = try load()
        let metres = try io.floats("depth_metres", shape: [48, 40])
        let depth = DepthImage(width: 40, height: 48, values: metres)
        let bytes = DepthNormalization.nearnessBytes(depth)
        #expect(bytes.map(Int.init) == (try io.integers("depth_u8", shape: [48, 40])))
        let input = DepthNormalization.modelInput(depth, size: 64)
        #expect(input.values == (try io.floats("input", shape: [1, 1, 64, 64])))
    }

    @Test func encoderQuantiserAndDecoderMatchPyTorch() throws {
        let (model, io) = try load()
        let input = FeatureMap(channels: 1, height: 64, width: 64, values: try io.floats("input", shape: [1, 1, 64, 64]))
        let features = model.features(input)
        let expectedFeatures = try io.floats("features", shape: [1, 8, 4, 4])
        #expect(relativeError(features.values, expectedFeatures) < 1e-4)
        let codes = model.quantize(features)
        let expectedCodes = try io.integers("indices", shape: [1, 4, 4])
        #expect(codes == expectedCodes)
        #expect(Set(codes).count > 1)
        let decoded = model.decode(codes: expectedCodes)
        let expectedDecoded = try io.floats("decoded", shape: [1, 1, 64, 64])
        #expect(relativeError(decoded.values, expectedDecoded) < 1e-4)
    }

    @Test func missingOrMisshapenTensorsAreNamed() throws {
        let (_, io) = try load()
        do {
            _ = try DepthVQVAE(
                configuration: .molmoAct,
                weights: try SafetensorsFile(
                    path: Self.fixtures.appendingPathComponent("vqvae_small_weights.safetensors").path))
            Issue.record("full-size configuration must not load small weights")
        } catch let error as TensorFileError {
            #expect(error.key == "encoder.0.weight")
            #expect(error.description.contains("[16, 1, 4, 4]") && error.description.contains("vqvae_small_weights"))
        }
        #expect(throws: TensorFileError.self) { try io.floats("no_such_tensor") }
        #expect(throws: TensorFileError.self) { try SafetensorsFile(data: Data([1, 2, 3]), name: "short.safetensors") }
        var bad = Data(count: 8)
        bad[0] = 200
        #expect(throws: TensorFileError.self) { try SafetensorsFile(data: bad + Data("{}".utf8), name: "long.safetensors") }
    }

    @Test func safetensorsRoundTrip() throws {
        let data = SafetensorsFile.encode(["b": (shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]), "a": (shape: [1], values: [0.25])])
        let file = try SafetensorsFile(data: data, name: "mem")
        #expect(file.keys == ["a", "b"])
        #expect(try file.floats("b", shape: [2, 3]) == [1, 2, 3, 4, 5, -6.5])
        #expect(throws: TensorFileError.self) { try file.floats("b", shape: [3, 2]) }
    }
}
