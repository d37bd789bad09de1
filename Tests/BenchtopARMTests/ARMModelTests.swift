import BenchtopARM
import BenchtopCore
import BenchtopNumerics
import BenchtopPolicy
import BenchtopReasoning
import Foundation
import Testing

/// The Swift inference against PyTorch, its determinism and its errors.
@Suite(.serialized) struct ARMModelTests {
    /// Every output of the PyTorch fixture within 1e-4, identical codes; images given at 256x256 and 128x128.
    @Test(arguments: [256, 128]) func matchesPyTorch(size: Int) throws {
        BLAS.setThreadCount(1)
        let model = try fixtureModel()
        let io = try SafetensorsFile(path: "\(fixtures)/arm-fixture-io.safetensors")
        let instruction = try #require(io.metadata["instruction"])
        func image(_ key: String) throws -> FeatureMap {
            let values = try io.floats(key, shape: [size, size, 3])
            return ARMModel.preprocess(width: size, height: size) { y, x, c in values[(y * size + x) * 3 + c] }
        }
        let state = try io.floats("state", shape: [7]).map(Double.init)
        let out = try model.infer(primary: try image("primary_\(size)"), wrist: try image("wrist_\(size)"), state: state, instruction: instruction)
        func maxError(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }
        #expect(maxError(out.depthLogits.values, try io.floats("depth_logits_\(size)", shape: [128, 10, 10])) < 1e-4)
        #expect(out.predictedCodes == (try io.floats("codes_\(size)", shape: [100])).map { Int($0) })
        #expect(maxError(out.primaryFeatures, try io.floats("primary_feature_\(size)", shape: [128])) < 1e-4)
        #expect(maxError(out.wristFeatures, try io.floats("wrist_feature_\(size)", shape: [128])) < 1e-4)
        #expect(maxError(out.trace, try io.floats("trace_\(size)", shape: [10])) < 1e-4)
        #expect(maxError(out.actions.flatMap { $0 }, try io.floats("actions_\(size)", shape: [8, 7])) < 1e-4)
        #expect(maxError(model.languageFeatures(instruction), try io.floats("lang", shape: [64])) < 1e-6)
        #expect(maxError(try model.stateFeatures(state), try io.floats("state_norm", shape: [10])) < 1e-5)
    }

    /// Codes replaced before the trace stage and a trace replaced before the action stage, as PyTorch computes them.
    @Test func replacementsPropagateAsInPyTorch() throws {
        BLAS.setThreadCount(1)
        let model = try fixtureModel()
        let io = try SafetensorsFile(path: "\(fixtures)/arm-fixture-io.safetensors")
        func image(_ key: String) throws -> FeatureMap {
            let values = try io.floats(key, shape: [128, 128, 3])
            return ARMModel.preprocess(width: 128, height: 128) { y, x, c in values[(y * 128 + x) * 3 + c] }
        }
        let codes = try io.floats("replaced_codes", shape: [100]).map { Int($0) }
        let trace = ARMModel.points(try io.floats("replaced_trace", shape: [10]))
        let state = try io.floats("state", shape: [7]).map(Double.init)
        let instruction = try #require(io.metadata["instruction"])
        let out = try model.infer(
            primary: try image("primary_128"), wrist: try image("wrist_128"), state: state, instruction: instruction,
            edits: ReasoningIntervention(depthTokens: { _ in codes }, trace: { _ in trace }))
        func maxError(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }
        #expect(out.codes == codes && out.predictedCodes != codes)
        #expect(maxError(out.predictedTrace, try io.floats("trace_replaced_codes", shape: [10])) < 1e-4)
        #expect(maxError(out.actions.flatMap { $0 }, try io.floats("actions_replaced_trace", shape: [8, 7])) < 1e-4)
    }

    @Test func sameInputsGiveTheSameBits() throws {
        BLAS.setThreadCount(1)
        let model = try fixtureModel()
        let policy = try ARMPolicy(model: model, embodiment: "franka", mode: "molmoact")
        try policy.reset(instruction: "pick up the red cube", seed: 0)
        let a = try policy.act(on: syntheticObservation(seed: 4))
        let b = try policy.act(on: syntheticObservation(seed: 4))
        let c = try policy.act(on: syntheticObservation(seed: 5))
        // The policy's workspace is reused: nothing of query c may leak into a repeat of query a.
        let d = try policy.act(on: syntheticObservation(seed: 4))
        #expect(a.actions.flatMap { $0 }.map(\.bitPattern) == b.actions.flatMap { $0 }.map(\.bitPattern))
        #expect(a.actions.flatMap { $0 }.map(\.bitPattern) == d.actions.flatMap { $0 }.map(\.bitPattern))
        #expect(a.reasoning == b.reasoning)
        #expect(a.actions != c.actions)
        #expect(a.actions.count == 8 && a.actions.allSatisfy { $0.count == 7 })
        #expect(a.reasoning?.depthTokens?.count == 100 && a.reasoning?.traces.first?.count == 5)
    }

    @Test func instructionsSplitIntoLowercaseWords() {
        #expect(
            ARMModel.words("Pick up the RED cube, then place-it in bowl_2!") == [
                "pick", "up", "the", "red", "cube", "then", "place", "it", "in", "bowl", "2",
            ])
        #expect(ARMModel.words("  ...  ").isEmpty)
    }

    @Test func adaptivePoolingFollowsPyTorchsBoxes() {
        #expect(
            FeatureMap.poolingRanges(input: 16, output: 10).map { [$0.lowerBound, $0.upperBound] }
                == [[0, 2], [1, 4], [3, 5], [4, 7], [6, 8], [8, 10], [9, 12], [11, 13], [12, 15], [14, 16]])
        let map = FeatureMap(channels: 1, height: 3, width: 3, values: (0..<9).map(Float.init))
        // 3 -> 2: rows and columns 0..<2 and 1..<3.
        #expect(map.adaptiveAveragePooled(height: 2, width: 2).values == [2, 3, 5, 6])
    }

    @Test func badWeightsNameTheFileTheTensorAndTheShape() throws {
        let source = "\(fixtures)/arm-fixture.safetensors"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("arm-bad-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let wrongShape = "\(directory)/wrong-shape.safetensors"
        try rewrittenWeights(source, to: wrongShape) { tensors, _ in
            tensors["trace.fc2.weight"] = ([256, 255], [Float](repeating: 0, count: 256 * 255))
        }
        #expect(throws: ARMError.self) { try ARMModel(path: wrongShape) }
        do { _ = try ARMModel(path: wrongShape) } catch {
            let text = "\(error)"
            #expect(text.contains(wrongShape) && text.contains("trace.fc2.weight") && text.contains("[256, 256]"))
        }
        let missing = "\(directory)/missing.safetensors"
        try rewrittenWeights(source, to: missing) { tensors, _ in tensors["enc_wrist.conv3.bias"] = nil }
        do {
            _ = try ARMModel(path: missing)
            Issue.record("a missing tensor loaded")
        } catch {
            #expect("\(error)".contains("enc_wrist.conv3.bias") && "\(error)".contains("missing"))
        }
        let otherFormat = "\(directory)/format.safetensors"
        try rewrittenWeights(source, to: otherFormat) { _, metadata in metadata["format"] = "something-else" }
        do {
            _ = try ARMModel(path: otherFormat)
            Issue.record("a foreign format loaded")
        } catch {
            #expect("\(error)".contains("benchtop-arm-v1"))
        }
        do {
            _ = try ARMModel(path: "\(directory)/absent.safetensors")
            Issue.record("an absent file loaded")
        } catch {
            #expect("\(error)".contains("absent.safetensors"))
        }
    }

    @Test func refusesAnotherEmbodimentOrMode() throws {
        let model = try fixtureModel()
        #expect(throws: ARMError.self) { try ARMPolicy(model: model, embodiment: "so101", mode: "molmoact") }
        #expect(throws: ARMError.self) { try ARMPolicy(model: model, embodiment: "franka", mode: "joint_position") }
        do { _ = try ARMPolicy(model: model, embodiment: "so101", mode: "ee") } catch {
            #expect("\(error)".contains("franka") && "\(error)".contains("so101"))
        }
    }
}

extension ARMModelTests {
    /// The camera path (bytes) and the fixture path (values) preprocess to the same bits at any size.
    @Test(arguments: [(256, 256), (128, 128), (200, 150)]) func bytesAndValuesPreprocessAlike(size: (Int, Int)) {
        let image = noiseImage(width: size.0, height: size.1, seed: 3)
        let fromValues = ARMModel.preprocess(width: size.0, height: size.1) { y, x, c in Float(image.pixels[(y * size.0 + x) * 3 + c]) }
        let fromBytes = ARMModel.preprocess(image)
        #expect(fromBytes.values.map(\.bitPattern) == fromValues.values.map(\.bitPattern))
        #expect(fromBytes.height == 128 && fromBytes.width == 128)
    }
}
