import BenchtopNumerics
import Testing

/// Checks the sgemm-based convolutions against direct loops written from PyTorch's definitions.
@Suite struct ConvolutionTests {
    func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float(($0 * 7919 + seed * 104729) % 201 - 100) / 50 } }

    /// (kernel, stride, padding, height, width, inChannels); 4/2/1 on even sizes takes the parity-plane path, on odd
    /// sizes im2col. With 64 input channels the parity-plane path splits its 12×12 positions into column tiles of
    /// 128, the first ending mid-row.
    @Test(arguments: [
        (4, 2, 1, 9, 7, 3), (4, 2, 1, 10, 8, 3), (4, 2, 1, 24, 22, 64), (3, 1, 1, 9, 7, 3), (1, 1, 0, 9, 7, 3),
        (3, 2, 0, 9, 7, 3), (3, 1, 1, 2, 1, 3), (3, 2, 1, 3, 1, 3),
    ])
    func convolutionMatchesDirectLoops(kernel: Int, stride: Int, padding: Int, h: Int, w: Int, cin: Int) {
        let cout = 5
        let conv = Convolution2D(
            inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: padding,
            weight: values(cout * cin * kernel * kernel, 1), bias: values(cout, 2))
        let x = FeatureMap(channels: cin, height: h, width: w, values: values(cin * h * w, 3))
        let y = conv(x, relu: false)
        let oh = (h + 2 * padding - kernel) / stride + 1
        let ow = (w + 2 * padding - kernel) / stride + 1
        #expect(y.height == oh && y.width == ow)
        for co in 0..<cout {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s = conv.bias[co]
                    for ci in 0..<cin {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let iy = oy * stride - padding + ky
                                let ix = ox * stride - padding + kx
                                if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                    s += conv.weight[((co * cin + ci) * kernel + ky) * kernel + kx] * x.values[(ci * h + iy) * w + ix]
                                }
                            }
                        }
                    }
                    #expect(abs(y.values[(co * oh + oy) * ow + ox] - s) < 1e-4)
                }
            }
        }
        let r = conv(x, relu: true)
        #expect(r.values == y.values.map { max($0, 0) })
    }

    /// (inChannels, outChannels, height, width); the second case spans several row tiles (16, 16, 5 rows).
    @Test(arguments: [(4, 3, 5, 6), (3, 64, 37, 30)])
    func transposedConvolutionMatchesDirectScatter(cin: Int, cout: Int, h: Int, w: Int) {
        let k = 4
        let stride = 2
        let padding = 1
        let deconv = TransposedConvolution2D(
            inChannels: cin, outChannels: cout, kernel: k, stride: stride, padding: padding,
            weight: values(cin * cout * k * k, 4), bias: values(cout, 5))
        let x = FeatureMap(channels: cin, height: h, width: w, values: values(cin * h * w, 6))
        let y = deconv(x)
        #expect(y.height == 2 * h && y.width == 2 * w)
        var expected = [Float](repeating: 0, count: cout * 2 * h * 2 * w)
        for co in 0..<cout { for i in 0..<(4 * h * w) { expected[co * 4 * h * w + i] = deconv.bias[co] } }
        for ci in 0..<cin {
            for iy in 0..<h {
                for ix in 0..<w {
                    for co in 0..<cout {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let oy = iy * stride - padding + ky
                                let ox = ix * stride - padding + kx
                                if oy >= 0 && oy < 2 * h && ox >= 0 && ox < 2 * w {
                                    expected[(co * 2 * h + oy) * 2 * w + ox] +=
                                        deconv.weight[((ci * cout + co) * k + ky) * k + kx] * x.values[(ci * h + iy) * w + ix]
                                }
                            }
                        }
                    }
                }
            }
        }
        var worst: Float = 0
        for i in expected.indices { worst = max(worst, abs(y.values[i] - expected[i])) }
        #expect(worst < 1e-4)
    }
}
