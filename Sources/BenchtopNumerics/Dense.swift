/// A fully connected layer with bias (PyTorch `Linear`): y = W x + b for one input vector.
public struct DenseLayer: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// [outputs, inputs], PyTorch's layout.
    public let weight: [Float]
    /// [outputs].
    public let bias: [Float]

    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == outputs * inputs && bias.count == outputs, "DenseLayer weight/bias sizes do not match the shape")
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }

    /// Applies the layer; with `relu`, negative outputs are clamped to zero.
    public func callAsFunction(_ input: [Float], relu: Bool = false) -> [Float] {
        precondition(input.count == inputs, "DenseLayer expects \(inputs) inputs, got \(input.count)")
        var out = bias
        weight.withUnsafeBufferPointer { w in
            input.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    BLAS.sgemv(m: outputs, n: inputs, a: w.baseAddress!, lda: inputs, x: x.baseAddress!, beta: 1, y: y.baseAddress!)
                }
            }
        }
        if relu {
            for i in out.indices where out[i] < 0 { out[i] = 0 }
        }
        return out
    }
}

extension FeatureMap {
    /// PyTorch's `adaptive_avg_pool2d` to `height` x `width`: output row i averages input rows
    /// floor(i * H / height) ..< ceil((i + 1) * H / height), likewise columns; a plain mean over the box.
    public func adaptiveAveragePooled(height oh: Int, width ow: Int) -> FeatureMap {
        precondition(oh > 0 && ow > 0, "adaptive pooling needs a positive output size")
        let rows = Self.poolingRanges(input: height, output: oh)
        let columns = Self.poolingRanges(input: width, output: ow)
        var out = [Float](repeating: 0, count: channels * oh * ow)
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for c in 0..<channels {
                    let plane = x.baseAddress! + c * height * width
                    for (i, r) in rows.enumerated() {
                        for (j, q) in columns.enumerated() {
                            var sum: Float = 0
                            for y in r {
                                for xx in q { sum += plane[y * width + xx] }
                            }
                            o[(c * oh + i) * ow + j] = sum / Float(r.count * q.count)
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: channels, height: oh, width: ow, values: out)
    }

    /// The input index range each output index of an adaptive pooling averages.
    public static func poolingRanges(input: Int, output: Int) -> [Range<Int>] {
        (0..<output).map { i in (i * input / output)..<(((i + 1) * input + output - 1) / output) }
    }

    /// The mean of each channel over all positions.
    public func channelMeans() -> [Float] {
        let n = height * width
        return values.withUnsafeBufferPointer { x in
            (0..<channels).map { c in
                var sum: Float = 0
                for i in 0..<n { sum += x[c * n + i] }
                return sum / Float(n)
            }
        }
    }
}
