/// A stack of 2-D feature planes in single precision: channel-major, then rows top to bottom, then columns
/// (PyTorch's C×H×W layout for one image).
public struct FeatureMap: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// channels * height * width values.
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "FeatureMap needs channels * height * width values")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// A map of zeros.
    public init(channels: Int, height: Int, width: Int) {
        self.init(
            channels: channels, height: height, width: width,
            values: [Float](repeating: 0, count: channels * height * width))
    }

    /// Sets every negative value to zero.
    public mutating func applyReLU() {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = max(v[i], 0) }
        }
    }

    /// Adds `other` element-wise (a residual connection).
    public mutating func add(_ other: FeatureMap) {
        precondition(other.values.count == values.count, "FeatureMap.add needs equal shapes")
        values.withUnsafeMutableBufferPointer { v in
            other.values.withUnsafeBufferPointer { o in
                for i in v.indices { v[i] += o[i] }
            }
        }
    }
}

/// A 2-D convolution with bias (PyTorch `Conv2d`, groups 1, dilation 1), computed as im2col + sgemm, or on
/// Benchtop's vector kernels when asked for (`Algorithm.vectorKernels`).
public struct Convolution2D: Sendable {
    /// How the convolution is computed.
    public enum Algorithm: Sendable, Equatable {
        /// Columns (im2col or parity planes) and one OpenBLAS sgemm: every shape, every CPU.
        case columns
        /// Benchtop's own vector kernels where it has them, on CPUs with AVX2 + FMA or AVX-512: Winograd F(2×2, 3×3)
        /// (2.25× fewer multiply-adds, filters transformed once) for 3×3 filters at stride 1, padding 1, and
        /// parity-plane columns times the filters packed once for 4×4 filters at stride 2, padding 1 (from 4 input
        /// channels); OpenBLAS for other shapes. The results differ from `columns` by float rounding only (relative 1e-6).
        case vectorKernels
    }

    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// [outChannels, inChannels, kernel, kernel], PyTorch's layout.
    public let weight: [Float]
    /// [outChannels].
    public let bias: [Float]
    /// The transformed filters when Winograd runs.
    let winograd: WinogradFilters?
    /// The filters packed for the vector kernels' products (4×4, stride 2, padding 1).
    let panels: PackedPanels?

    /// `vectorWidth` is the kernels' width for `.vectorKernels` (default: this CPU's widest; tests compare widths).
    public init(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        weight: [Float], bias: [Float], algorithm: Algorithm = .columns, vectorWidth: Int = VectorKernels.width
    ) {
        precondition(
            weight.count == outChannels * inChannels * kernel * kernel && bias.count == outChannels,
            "Convolution2D weight/bias sizes do not match the shape")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.weight = weight
        self.bias = bias
        let own = algorithm == .vectorKernels
        let winogradShape = kernel == 3 && stride == 1 && padding == 1
        winograd =
            own && winogradShape
            ? WinogradFilters(weight, outChannels: outChannels, inChannels: inChannels, width: vectorWidth) : nil
        // With fewer than 4 input channels (depth under 64) each sum is written out after a few multiply-adds: the
        // product is store-bound, and OpenBLAS's small-matrix kernel does it as fast or faster.
        let stridedShape = kernel == 4 && stride == 2 && padding == 1 && inChannels >= 4
        panels = own && stridedShape ? PackedPanels(weight, rows: outChannels, depth: inChannels * 16, width: vectorWidth) : nil
    }

    /// This convolution computed by `algorithm` (same filters).
    public func using(_ algorithm: Algorithm, vectorWidth: Int = VectorKernels.width) -> Convolution2D {
        Convolution2D(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
            weight: weight, bias: bias, algorithm: algorithm, vectorWidth: vectorWidth)
    }

    /// Whether calls run Benchtop's vector kernels (false: OpenBLAS).
    public var runsVectorKernels: Bool { winograd != nil || panels != nil }

    /// Output height/width for an input height/width.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }

    /// Convolves `input`; with `relu`, negative outputs are clamped to zero in the same pass.
    public func callAsFunction(_ input: FeatureMap, relu: Bool = false) -> FeatureMap {
        precondition(input.channels == inChannels, "Convolution2D expects \(inChannels) input channels")
        if let winograd { return winograd.convolve(input, self, relu: relu) }
        if kernel == 4 && stride == 2 && padding == 1 && input.height % 2 == 0 && input.width % 2 == 0 {
            return stridedTiles(input, relu: relu)
        }
        let oh = outputSize(input.height)
        let ow = outputSize(input.width)
        let n = oh * ow
        let k = inChannels * kernel * kernel
        var out = [Float](unsafeUninitializedCapacity: outChannels * n) { _, count in count = outChannels * n }
        let pointwise = kernel == 1 && stride == 1 && padding == 0
        let columns = pointwise ? input.values : im2col(input, outHeight: oh, outWidth: ow)
        weight.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { col in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.sgemm(
                        m: outChannels, n: n, k: k, a: w.baseAddress!, lda: k, b: col.baseAddress!, ldb: n,
                        c: o.baseAddress!, ldc: n)
                    for c in 0..<outChannels {
                        let row = o.baseAddress! + c * n
                        biasReLU(from: row, to: row, count: n, bias: bias[c], relu: relu)
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, height: oh, width: ow, values: out)
    }
}

/// A 2-D transposed convolution with bias (PyTorch `ConvTranspose2d`, groups 1, dilation 1, no output
/// padding), computed as sgemm into per-tap columns followed by col2im scatter-add.
public struct TransposedConvolution2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// [inChannels, outChannels, kernel, kernel], PyTorch's layout for transposed convolutions.
    public let weight: [Float]
    /// [outChannels].
    public let bias: [Float]

    public init(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        weight: [Float], bias: [Float]
    ) {
        precondition(
            weight.count == outChannels * inChannels * kernel * kernel && bias.count == outChannels,
            "TransposedConvolution2D weight/bias sizes do not match the shape")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.weight = weight
        self.bias = bias
        tapWeights =
            (kernel == 4 && stride == 2 && padding == 1)
            ? packTaps(
                weight, taps: 16, outChannels: outChannels,
                inChannels: inChannels, inputMajor: true) : []
    }

    /// For 4×4/s2/p1: per tap (ky, kx) a [outChannels, inChannels] matrix.
    let tapWeights: [Float]

    /// Output height/width for an input height/width.
    public func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernel }

    /// Applies the transposed convolution; with `relu`, negative outputs are clamped to zero.
    public func callAsFunction(_ input: FeatureMap, relu: Bool = false) -> FeatureMap {
        precondition(input.channels == inChannels, "TransposedConvolution2D expects \(inChannels) input channels")
        let h = input.height
        let w = input.width
        let n = h * w
        let oh = outputSize(h)
        let ow = outputSize(w)
        if !tapWeights.isEmpty {
            return subPixel(input, relu: relu)
        }
        let kk = kernel
        let rows = outChannels * kk * kk
        // columns[(co, ky, kx), (iy, ix)] = sum_ci W[ci, co, ky, kx] * x[ci, iy, ix]
        var columns = [Float](unsafeUninitializedCapacity: rows * n) { _, count in count = rows * n }
        weight.withUnsafeBufferPointer { wt in
            input.values.withUnsafeBufferPointer { x in
                columns.withUnsafeMutableBufferPointer { col in
                    BLAS.sgemm(
                        transposeA: true, m: rows, n: n, k: inChannels, a: wt.baseAddress!, lda: rows,
                        b: x.baseAddress!, ldb: n, beta: 0, c: col.baseAddress!, ldc: n)
                }
            }
        }
        var out = [Float](repeating: 0, count: outChannels * oh * ow)
        out.withUnsafeMutableBufferPointer { o in
            columns.withUnsafeBufferPointer { col in
                for co in 0..<outChannels {
                    let plane = o.baseAddress! + co * oh * ow
                    let b = bias[co]
                    for i in 0..<(oh * ow) { plane[i] = b }
                    for ky in 0..<kk {
                        for kx in 0..<kk {
                            let row = col.baseAddress! + ((co * kk + ky) * kk + kx) * n
                            // Valid input columns: 0 <= ix*stride - padding + kx < ow.
                            let ixLo = max(0, (padding - kx + stride - 1) / stride)
                            let ixHi = min(w - 1, (ow - 1 + padding - kx) / stride)
                            for iy in 0..<h {
                                let oy = iy * stride - padding + ky
                                if oy < 0 || oy >= oh { continue }
                                let src = row + iy * w
                                let dst = plane + oy * ow - padding + kx
                                if ixLo > ixHi { continue }
                                for ix in ixLo...ixHi { dst[ix * stride] += src[ix] }
                            }
                        }
                    }
                }
            }
        }
        var result = FeatureMap(channels: outChannels, height: oh, width: ow, values: out)
        if relu { result.applyReLU() }
        return result
    }

    /// 4×4/s2/p1 as four sub-pixel 2×2 convolutions, no col2im: output row 2m+r takes input rows
    /// (m, ky=1) and (m−1, ky=3) for r = 0, (m+1, ky=0) and (m, ky=2) for r = 1 (likewise columns). Each tap is one
    /// sgemm over the zero-padded input flattened with row length w+2; the 2 extra columns per row are dropped.
    private func subPixel(_ input: FeatureMap, relu: Bool) -> FeatureMap {
        let h = input.height
        let w = input.width
        let pw = w + 2
        let planeSize = (h + 2) * pw
        var padded = [Float](repeating: 0, count: inChannels * planeSize + 2)
        input.values.withUnsafeBufferPointer { x in
            padded.withUnsafeMutableBufferPointer { p in
                for ci in 0..<inChannels {
                    for iy in 0..<h {
                        let dst = p.baseAddress! + ci * planeSize + (iy + 1) * pw + 1
                        let src = x.baseAddress! + (ci * h + iy) * w
                        dst.update(from: src, count: w)
                    }
                }
            }
        }
        let oh = 2 * h
        let ow = 2 * w
        // (padded offset, kernel index) pairs for output parity 0 and 1.
        let taps = [[(1, 1), (0, 3)], [(2, 0), (1, 2)]]
        var out = [Float](unsafeUninitializedCapacity: outChannels * oh * ow) { _, count in count = outChannels * oh * ow }
        // Tiles of input rows small enough that a phase's accumulator (outChannels × rows × (w+2)) stays in cache
        // across its four tap products and the scatter that follows.
        let tileRows = max(1, min(h, 32_768 / max(1, outChannels * pw)))
        var phase = [Float](repeating: 0, count: outChannels * tileRows * pw)
        for m0 in Swift.stride(from: 0, to: h, by: tileRows) {
            let rows = min(tileRows, h - m0)
            let n = rows * pw
            for ry in 0..<2 {
                for rx in 0..<2 {
                    tapWeights.withUnsafeBufferPointer { wt in
                        padded.withUnsafeBufferPointer { p in
                            phase.withUnsafeMutableBufferPointer { c in
                                var first = true
                                for (dy, ky) in taps[ry] {
                                    for (dx, kx) in taps[rx] {
                                        BLAS.sgemm(
                                            m: outChannels, n: n, k: inChannels,
                                            a: wt.baseAddress! + (ky * 4 + kx) * outChannels * inChannels, lda: inChannels,
                                            b: p.baseAddress! + (m0 + dy) * pw + dx, ldb: planeSize,
                                            beta: first ? 0 : 1, c: c.baseAddress!, ldc: n)
                                        first = false
                                    }
                                }
                            }
                        }
                    }
                    phase.withUnsafeBufferPointer { c in
                        out.withUnsafeMutableBufferPointer { o in
                            for co in 0..<outChannels {
                                let b = bias[co]
                                for r in 0..<rows {
                                    let src = c.baseAddress! + co * n + r * pw
                                    let dst = o.baseAddress! + (co * oh + 2 * (m0 + r) + ry) * ow + rx
                                    if relu {
                                        for j in 0..<w { dst[2 * j] = max(src[j] + b, 0) }
                                    } else {
                                        for j in 0..<w { dst[2 * j] = src[j] + b }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, height: oh, width: ow, values: out)
    }
}

/// Repacks a 4×4 kernel into per-tap [outChannels, inChannels] matrices. `inputMajor`: the source is
/// [in, out, 4, 4] (transposed convolution) rather than [out, in, 4, 4].
private func packTaps(_ weight: [Float], taps: Int, outChannels: Int, inChannels: Int, inputMajor: Bool) -> [Float] {
    var packed = [Float](repeating: 0, count: weight.count)
    for t in 0..<taps {
        for co in 0..<outChannels {
            for ci in 0..<inChannels {
                let src = inputMajor ? (ci * outChannels + co) * taps + t : (co * inChannels + ci) * taps + t
                packed[(t * outChannels + co) * inChannels + ci] = weight[src]
            }
        }
    }
    return packed
}
