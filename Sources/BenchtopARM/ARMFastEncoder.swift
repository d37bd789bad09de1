import BenchtopNumerics
import Foundation

/// Reusable scratch memory for one query at a time (not thread-safe: one per policy or thread). Reusing it
/// avoids mapping and faulting in fresh pages for the im2col matrices on every query.
public final class ARMWorkspace: @unchecked Sendable {
    private var buffers: [(pointer: UnsafeMutablePointer<Float>, count: Int)] = []

    public init() {}

    deinit {
        for b in buffers { b.pointer.deallocate() }
    }

    /// Buffer `slot` with at least `count` values (contents unspecified); valid until the workspace is released.
    func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= slot { buffers.append((UnsafeMutablePointer<Float>.allocate(capacity: 1), 1)) }
        if buffers[slot].count < count {
            buffers[slot].pointer.deallocate()
            buffers[slot] = (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
        }
        return buffers[slot].pointer
    }
}

/// One convolution of the encoder in channels-last (NHWC) form: the weights packed once as a [k * k * in, out]
/// matrix whose rows run (ky, kx, in-channel), so that an im2col row is k contiguous runs of k * in values of a
/// zero-padded channels-last image, and the product col x W lands channels-last, ready for the next layer.
struct PackedConvolution: Sendable {
    let inChannels, outChannels, kernel, stride, padding: Int
    /// [kernel * kernel * inChannels, outChannels].
    let weight: [Float]
    let bias: [Float]

    init(_ c: Convolution2D) {
        inChannels = c.inChannels
        outChannels = c.outChannels
        kernel = c.kernel
        stride = c.stride
        padding = c.padding
        bias = c.bias
        let k = c.kernel
        var w = [Float](repeating: 0, count: k * k * c.inChannels * c.outChannels)
        for o in 0..<c.outChannels {
            for i in 0..<c.inChannels {
                for ky in 0..<k {
                    for kx in 0..<k {
                        w[((ky * k + kx) * c.inChannels + i) * c.outChannels + o] = c.weight[((o * c.inChannels + i) * k + ky) * k + kx]
                    }
                }
            }
        }
        weight = w
    }

    var depth: Int { kernel * kernel * inChannels }

    func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

    /// `input`: a channels-last image `side` x `side` already zero-padded by `padding` on every side
    /// ((side + 2 padding)^2 x in). Writes ReLU(conv + bias) channels-last into `output`, whose rows are
    /// `outputRowStride` pixels apart and start `outputOffset` pixels in (so a layer can write straight into the
    /// interior of the next layer's padded input).
    func run(
        input: UnsafePointer<Float>, side: Int, columns: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputRowStride: Int, outputOffset: Int, relu: Bool
    ) {
        let os = outputSize(side)
        let padded = side + 2 * padding
        let run = kernel * inChannels
        let depth = self.depth
        // im2col, channels-last: each row is `kernel` copies of a contiguous run.
        for oy in 0..<os {
            for ox in 0..<os {
                let row = columns + (oy * os + ox) * depth
                let origin = input + ((oy * stride) * padded + ox * stride) * inChannels
                for ky in 0..<kernel {
                    (row + ky * run).update(from: origin + ky * padded * inChannels, count: run)
                }
            }
        }
        weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: os * os, n: outChannels, k: depth, a: columns, lda: depth, b: w.baseAddress!, ldb: outChannels,
                beta: 0, c: product, ldc: outChannels)
        }
        bias.withUnsafeBufferPointer { b in
            for oy in 0..<os {
                for ox in 0..<os {
                    let src = product + (oy * os + ox) * outChannels
                    let dst = output + (outputOffset + oy * outputRowStride + ox) * outChannels
                    if relu {
                        for c in 0..<outChannels { dst[c] = max(src[c] + b[c], 0) }
                    } else {
                        for c in 0..<outChannels { dst[c] = src[c] + b[c] }
                    }
                }
            }
        }
    }
}

/// The image encoder on packed channels-last convolutions (docs/arm.md, "Image encoder"); same function as the
/// channel-major reference, different summation order (parity within 1e-4 on the fixtures).
struct ARMFastEncoder: Sendable {
    let convolutions: [PackedConvolution]
    let keypoints: PackedConvolution

    init(_ e: ARMImageEncoder) {
        convolutions = [e.conv1, e.conv2, e.conv3, e.conv4].map(PackedConvolution.init)
        keypoints = PackedConvolution(e.keypoints)
    }

    /// Encodes a normalised 3 x side x side channel-major image. Returns the final map F channels-last
    /// ([16 * 16, 64], in workspace slot 0) and the 128 features.
    func encode(_ image: FeatureMap, workspace: ARMWorkspace) -> (map: UnsafeMutablePointer<Float>, side: Int, features: [Float]) {
        var side = image.height
        // Slots: 0, 1 = padded inputs (ping-pong), 2 = im2col, 3 = product.
        var current = 0
        var pad = convolutions[0].padding
        var padded = side + 2 * pad
        var input = workspace.buffer(current, count: padded * padded * 3)
        input.update(repeating: 0, count: padded * padded * 3)
        image.values.withUnsafeBufferPointer { v in
            let plane = side * side
            for y in 0..<side {
                for x in 0..<side {
                    let dst = input + ((y + pad) * padded + x + pad) * 3
                    dst[0] = v[y * side + x]
                    dst[1] = v[plane + y * side + x]
                    dst[2] = v[2 * plane + y * side + x]
                }
            }
        }
        for (index, conv) in convolutions.enumerated() {
            let os = conv.outputSize(side)
            let nextPad = index + 1 < convolutions.count ? convolutions[index + 1].padding : 0
            let nextPadded = os + 2 * nextPad
            let next = 1 - current
            let output = workspace.buffer(next, count: nextPadded * nextPadded * conv.outChannels)
            if nextPad > 0 { output.update(repeating: 0, count: nextPadded * nextPadded * conv.outChannels) }
            conv.run(
                input: input, side: side, columns: workspace.buffer(2, count: os * os * conv.depth),
                product: workspace.buffer(3, count: os * os * conv.outChannels), output: output, outputRowStride: nextPadded,
                outputOffset: nextPad * nextPadded + nextPad, relu: true)
            current = next
            input = output
            side = os
            pad = nextPad
            padded = nextPadded
        }
        let map = input
        let n = side * side
        let channels = keypoints.inChannels
        let maps = workspace.buffer(4, count: n * keypoints.outChannels)
        keypoints.weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: n, n: keypoints.outChannels, k: channels, a: map, lda: channels, b: w.baseAddress!, ldb: keypoints.outChannels,
                beta: 0, c: maps, ldc: keypoints.outChannels)
        }
        var features = [Float](repeating: 0, count: 2 * keypoints.outChannels + channels)
        let coordinate = (0..<side).map { side > 1 ? -1 + 2 * Float($0) / Float(side - 1) : 0 }
        let k = keypoints.outChannels
        let weights = workspace.buffer(5, count: n)
        for c in 0..<k {
            let b = keypoints.bias[c]
            var peak = -Float.infinity
            for i in 0..<n { peak = max(peak, maps[i * k + c] + b) }
            var total: Float = 0
            for i in 0..<n {
                weights[i] = expf(maps[i * k + c] + b - peak)
                total += weights[i]
            }
            var ex: Float = 0
            var ey: Float = 0
            for y in 0..<side {
                for x in 0..<side {
                    let p = weights[y * side + x] / total
                    ex += p * coordinate[x]
                    ey += p * coordinate[y]
                }
            }
            features[2 * c] = ex
            features[2 * c + 1] = ey
        }
        for i in 0..<n {
            for c in 0..<channels { features[2 * k + c] += map[i * channels + c] }
        }
        for c in 0..<channels { features[2 * k + c] /= Float(n) }
        return (map, side, features)
    }
}

/// Stage 1 on a channels-last 16 x 16 x 64 map: adaptive average pooling to 10 x 10, then the two 1x1
/// convolutions as [100, in] x [in, out] products; logits come back channel-major [128, 10, 10].
struct ARMFastPerception: Sendable {
    let conv1, conv2: PackedConvolution

    func run(map: UnsafePointer<Float>, side: Int, grid: Int, workspace: ARMWorkspace) -> (logits: FeatureMap, codes: [Int]) {
        let channels = conv1.inChannels
        let ranges = FeatureMap.poolingRanges(input: side, output: grid)
        let cells = grid * grid
        let pooled = workspace.buffer(6, count: cells * channels)
        pooled.update(repeating: 0, count: cells * channels)
        for (i, r) in ranges.enumerated() {
            for (j, q) in ranges.enumerated() {
                let dst = pooled + (i * grid + j) * channels
                for y in r {
                    for x in q {
                        let src = map + (y * side + x) * channels
                        for c in 0..<channels { dst[c] += src[c] }
                    }
                }
                let scale = 1 / Float(r.count * q.count)
                for c in 0..<channels { dst[c] *= scale }
            }
        }
        let hidden = workspace.buffer(7, count: cells * conv1.outChannels)
        let logits = workspace.buffer(8, count: cells * conv2.outChannels)
        conv1.weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: cells, n: conv1.outChannels, k: channels, a: pooled, lda: channels, b: w.baseAddress!, ldb: conv1.outChannels,
                beta: 0, c: hidden, ldc: conv1.outChannels)
        }
        for cell in 0..<cells {
            for c in 0..<conv1.outChannels { hidden[cell * conv1.outChannels + c] = max(hidden[cell * conv1.outChannels + c] + conv1.bias[c], 0) }
        }
        conv2.weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(
                m: cells, n: conv2.outChannels, k: conv1.outChannels, a: hidden, lda: conv1.outChannels, b: w.baseAddress!,
                ldb: conv2.outChannels, beta: 0, c: logits, ldc: conv2.outChannels)
        }
        let classes = conv2.outChannels
        var codes = [Int](repeating: 0, count: cells)
        var chw = [Float](repeating: 0, count: classes * cells)
        for cell in 0..<cells {
            let row = logits + cell * classes
            var best = 0
            var bestValue = -Float.infinity
            for k in 0..<classes {
                let v = row[k] + conv2.bias[k]
                chw[k * cells + cell] = v
                if v > bestValue {
                    best = k
                    bestValue = v
                }
            }
            codes[cell] = best
        }
        return (FeatureMap(channels: classes, height: grid, width: grid, values: chw), codes)
    }
}
