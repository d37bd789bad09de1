import BenchtopCore
import BenchtopNumerics
import BenchtopPolicy
import Foundation

/// Everything one query computes, stage by stage.
public struct ARMOutput: Sendable {
    /// [128, 10, 10] logits of the perception stage.
    public var depthLogits: FeatureMap
    /// The codes the perception stage predicted (argmax per cell).
    public var predictedCodes: [Int]
    /// The codes the trace stage saw (the predicted ones unless edited).
    public var codes: [Int]
    public var primaryFeatures: [Float]
    public var wristFeatures: [Float]
    /// The trace stage's output, 10 values (x0, y0, ...) in 0 ... 255.
    public var predictedTrace: [Float]
    /// The trace the action stage saw (the predicted one unless edited or steered).
    public var trace: [Float]
    /// [chunk][7] in the control mode's units.
    public var actions: [[Float]]
}

extension ARMModel {
    /// Image bytes (RGB, any size) -> 3 x 128 x 128, adaptive average pooled, then (x / 255 - 0.5) / 0.25.
    public static func preprocess(_ image: RGBImage) -> FeatureMap {
        let w = image.width
        let h = image.height
        let n = w * h
        let chw = [Float](unsafeUninitializedCapacity: 3 * n) { out, count in
            image.pixels.withUnsafeBufferPointer { p in
                for i in 0..<n {
                    out[i] = Float(p[3 * i]) / 255
                    out[n + i] = Float(p[3 * i + 1]) / 255
                    out[2 * n + i] = Float(p[3 * i + 2]) / 255
                }
            }
            count = 3 * n
        }
        return normalised(FeatureMap(channels: 3, height: h, width: w, values: chw))
    }

    /// The same from height x width x 3 values in 0 ... 255 (fixtures store images this way).
    public static func preprocess(width: Int, height: Int, value: (Int, Int, Int) -> Float) -> FeatureMap {
        var chw = [Float](repeating: 0, count: 3 * width * height)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { chw[(c * height + y) * width + x] = value(y, x, c) / 255 }
            }
        }
        return normalised(FeatureMap(channels: 3, height: height, width: width, values: chw))
    }

    /// Pools to 128 x 128 when needed, then (x - 0.5) / 0.25.
    static func normalised(_ image: FeatureMap) -> FeatureMap {
        var map = image
        if map.width != imageSize || map.height != imageSize { map = map.adaptiveAveragePooled(height: imageSize, width: imageSize) }
        map.values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = (v[i] - 0.5) / 0.25 }
        }
        return map
    }

    /// [x, y, z, sin roll, cos roll, sin pitch, cos pitch, sin yaw, cos yaw, gripper], normalised.
    public func stateFeatures(_ state: [Double]) throws -> [Float] {
        guard state.count == 7, state.allSatisfy(\.isFinite) else {
            throw ARMError(
                "the state has \(state.count) values; the '\(metadata.mode)' mode's ARM expects 7 finite values [x, y, z, roll, pitch, yaw, gripper]")
        }
        let s = state.map { Float($0) }
        let raw: [Float] = [s[0], s[1], s[2], sinf(s[3]), cosf(s[3]), sinf(s[4]), cosf(s[4]), sinf(s[5]), cosf(s[5]), s[6]]
        return (0..<Self.stateFeatureCount).map { (raw[$0] - stateMean[$0]) / stateStd[$0] }
    }

    /// Lowercased words (runs of a-z and 0-9), in order.
    public static func words(_ instruction: String) -> [String] {
        var words: [String] = []
        var current = ""
        for ch in instruction.lowercased().unicodeScalars {
            if ("a"..."z").contains(ch) || ("0"..."9").contains(ch) {
                current.unicodeScalars.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The mean embedding of the instruction's known words (zeros when none is known).
    public func languageFeatures(_ instruction: String) -> [Float] {
        let indices = Self.words(instruction).compactMap { wordIndex[$0] }
        var sum = [Float](repeating: 0, count: Self.languageWidth)
        guard !indices.isEmpty else { return sum }
        for k in indices {
            for j in 0..<Self.languageWidth { sum[j] += languageEmbedding[k * Self.languageWidth + j] }
        }
        return sum.map { $0 / Float(indices.count) }
    }

    /// How many of the instruction's words the vocabulary knows.
    public func knownWordCount(_ instruction: String) -> Int { Self.words(instruction).filter { wordIndex[$0] != nil }.count }

    /// Runs the chain on preprocessed images: perception, (edits), trace, (edits), action.
    public func infer(
        primary: FeatureMap, wrist: FeatureMap, state: [Double], instruction: String, edits: ReasoningIntervention = ReasoningIntervention(),
        workspace: ARMWorkspace? = nil
    ) throws -> ARMOutput {
        let workspace = workspace ?? ARMWorkspace()
        for (name, image) in [("primary", primary), ("wrist", wrist)]
        where image.channels != 3 || image.height != Self.imageSize || image.width != Self.imageSize {
            throw ARMError("the \(name) image is \(image.channels)x\(image.height)x\(image.width); expected 3x128x128 after preprocessing")
        }
        let stateInput = try stateFeatures(state)
        let language = languageFeatures(instruction)
        let p = primaryEncoder.encode(primary, workspace: workspace)
        let (logits, predicted) = perception.run(map: p.map, side: p.side, grid: Self.gridSide, workspace: workspace)
        var codes = predicted
        if let edit = edits.depthTokens {
            codes = edit(predicted)
            guard codes.count == Self.cellCount, codes.allSatisfy({ (0..<Self.codebookSize).contains($0) }) else {
                throw ARMError("a depth-code edit returned \(codes.count) codes; expected \(Self.cellCount) in 0 ..< \(Self.codebookSize)")
            }
        }
        let predictedTrace = trace(primaryFeatures: p.features, codes: codes, language: language)
        var usedTrace = predictedTrace
        if let edit = edits.trace {
            let points = edit(Self.points(predictedTrace))
            guard !points.isEmpty, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
                throw ARMError("a trace edit returned \(points.count) points; expected 1 to \(Self.tracePoints) finite points")
            }
            usedTrace = Self.flatten(points)
        }
        let w = wristEncoder.encode(wrist, workspace: workspace)
        let actions = actions(wristFeatures: w.features, state: stateInput, language: language, trace: usedTrace)
        return ARMOutput(
            depthLogits: logits, predictedCodes: predicted, codes: codes, primaryFeatures: p.features, wristFeatures: w.features,
            predictedTrace: predictedTrace, trace: usedTrace, actions: actions)
    }

    /// (x0, y0, ..., x4, y4) -> five points.
    public static func points(_ flat: [Float]) -> [SIMD2<Double>] {
        stride(from: 0, to: flat.count - 1, by: 2).map { SIMD2(Double(flat[$0]), Double(flat[$0 + 1])) }
    }

    /// Points -> (x0, y0, ..., x4, y4): up to five are padded by repeating the last point (as the training labels
    /// are); more are subsampled evenly, keeping the first and the last.
    public static func flatten(_ points: [SIMD2<Double>]) -> [Float] {
        let n = points.count
        let padded = (0..<tracePoints).map { i in
            n > tracePoints ? points[Int((Double(i * (n - 1)) / Double(tracePoints - 1)).rounded())] : points[min(i, n - 1)]
        }
        return padded.flatMap { [Float($0.x), Float($0.y)] }
    }
}
