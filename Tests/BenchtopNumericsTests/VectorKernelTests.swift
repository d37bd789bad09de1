import BenchtopNumerics
import Testing

/// Checks the convolutions on Benchtop's vector kernels (Winograd 3×3; 4×4 stride 2 on packed filters) against direct
/// loops and against the columns path, at every vector width this CPU runs.
@Suite struct VectorKernelTests {
    func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float(($0 * 7919 + seed * 104729) % 201 - 100) / 50 } }

    func convolution(cin: Int, cout: Int, kernel: Int = 3, stride: Int = 1, width: Int = VectorKernels.width) -> Convolution2D {
        // 3×3 at stride 1 runs Winograd; 4×4 at stride 2 the packed filters.
        Convolution2D(
            inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: 1,
            weight: values(cout * cin * kernel * kernel, 1), bias: values(cout, 2), algorithm: .vectorKernels, vectorWidth: width)
    }

    /// (inChannels, outChannels, height, width): odd sizes (a half tile at the edge), channel counts that fill no
    /// panel or several with a remainder, one row, and a tile count (36) past two register blocks.
    @Test(arguments: [(3, 5, 9, 7), (20, 17, 10, 10), (64, 33, 1, 2), (40, 24, 11, 6), (8, 16, 12, 12)])
    func winogradMatchesDirectLoops(cin: Int, cout: Int, h: Int, w: Int) {
        let conv = convolution(cin: cin, cout: cout)
        #expect(conv.runsVectorKernels == (VectorKernels.width > 0))
        let x = FeatureMap(channels: cin, height: h, width: w, values: values(cin * h * w, 3))
        let y = conv(x, relu: false)
        #expect(y.channels == cout && y.height == h && y.width == w)
        var worst: Double = 0
        for co in 0..<cout {
            for oy in 0..<h {
                for ox in 0..<w {
                    var sum = Double(conv.bias[co])
                    var magnitude = abs(sum)
                    for ci in 0..<cin {
                        for ky in 0..<3 {
                            for kx in 0..<3 where (0..<h).contains(oy - 1 + ky) && (0..<w).contains(ox - 1 + kx) {
                                let term =
                                    Double(conv.weight[((co * cin + ci) * 3 + ky) * 3 + kx])
                                    * Double(x.values[(ci * h + oy - 1 + ky) * w + ox - 1 + kx])
                                sum += term
                                magnitude += abs(term)
                            }
                        }
                    }
                    // Float rounding of a sum of `magnitude`: well under 1e-5 of it (float's epsilon is 1.2e-7).
                    worst = max(worst, abs(Double(y.values[(co * h + oy) * w + ox]) - sum) / max(magnitude, 1e-3))
                }
            }
        }
        #expect(worst < 1e-5, "worst relative error \(worst)")
        #expect(conv(x, relu: true).values == y.values.map { max($0, 0) })
    }

    /// Every output sums its input channels in the same order with fused multiply-adds at any width: same bits. On a
    /// CPU with neither AVX2 + FMA nor AVX-512 the convolution must fall back to OpenBLAS's exact result instead.
    @Test(arguments: [3, 4]) func vectorWidthsGiveTheSameBits(kernel: Int) {
        let widths = VectorKernels.runnableWidths
        let x = FeatureMap(channels: 48, height: 10, width: 10, values: values(48 * 100, 4))
        let stride = kernel == 4 ? 2 : 1
        guard !widths.isEmpty else {
            let conv = convolution(cin: 48, cout: 40, kernel: kernel, stride: stride)
            #expect(!conv.runsVectorKernels)
            #expect(conv(x, relu: true) == conv.using(.columns)(x, relu: true))
            return
        }
        let outputs = widths.map { convolution(cin: 48, cout: 40, kernel: kernel, stride: stride, width: $0)(x, relu: true).values }
        for (width, output) in zip(widths, outputs) { #expect(output == outputs[0], "width \(width) differs from \(widths[0])") }
    }

    /// (inChannels, outChannels, height, width) for 4×4, stride 2, padding 1 on packed filters: one panel, several
    /// with a remainder (pairs and a single one), and inputs whose columns span several tiles (the first ending
    /// mid-row, the row stride padded); under 4 input channels OpenBLAS keeps the product.
    @Test(arguments: [(4, 16, 32, 30), (5, 20, 10, 8), (64, 33, 24, 22), (16, 8, 64, 64), (1, 16, 32, 30), (3, 20, 10, 8)])
    func stridedConvolutionOnPackedFiltersMatchesColumns(cin: Int, cout: Int, h: Int, w: Int) {
        let conv = convolution(cin: cin, cout: cout, kernel: 4, stride: 2)
        #expect(conv.runsVectorKernels == (VectorKernels.width > 0 && cin >= 4))
        let reference = conv.using(.columns)
        #expect(!reference.runsVectorKernels)
        let x = FeatureMap(channels: cin, height: h, width: w, values: values(cin * h * w, 8))
        let y = conv(x, relu: false)
        let expected = reference(x, relu: false)
        #expect(y.channels == expected.channels && y.height == expected.height && y.width == expected.width)
        // Both sum cin·16 products of values up to 2 × 2 in float: 1e-6 of that sum's magnitude bounds the difference.
        let bound = Float(cin * 16 * 4) * 1e-6
        let worst = zip(y.values, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= bound, "worst difference \(worst), bound \(bound)")
        #expect(conv(x, relu: true).values == y.values.map { max($0, 0) })
    }

    /// Shapes the vector kernels do not cover (3×3 at stride 2, 1×1) keep the columns path and its exact results.
    @Test(arguments: [(3, 2), (1, 1)])
    func otherShapesKeepTheColumnsPath(kernel: Int, stride: Int) {
        let conv = Convolution2D(
            inChannels: 6, outChannels: 7, kernel: kernel, stride: stride, padding: kernel == 3 ? 1 : 0,
            weight: values(7 * 6 * kernel * kernel, 5), bias: values(7, 6), algorithm: .vectorKernels)
        #expect(!conv.runsVectorKernels)
        let x = FeatureMap(channels: 6, height: 9, width: 8, values: values(6 * 72, 7))
        #expect(conv(x, relu: true) == conv.using(.columns)(x, relu: true))
    }
}
