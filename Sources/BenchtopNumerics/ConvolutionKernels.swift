/// The inner loops of `Convolution2D`: column building with contiguous copies, tiled so the columns and the
/// product stay in cache, and bias + ReLU applied in the single pass that writes the output.
extension Convolution2D {
    /// Bytes of im2col columns per tile: large enough for efficient sgemm, small enough for the L2 cache.
    static let tileBytes = 256 * 1024

    /// A row stride of at least `count` floats that is an odd number of 64-byte cache lines. The vector kernels
    /// read a few columns of every row in turn; with a stride of 1 KiB or 16 KiB (tiles of 256 or 4,096 columns)
    /// those reads all fell into a few sets of the L1 cache and evicted each other (on a Sapphire Rapids core the
    /// strided layers ran 1.5-2x slower than OpenBLAS, which copies the columns into its own layout first).
    static func conflictFreeStride(_ count: Int) -> Int {
        let lines = (count + 15) / 16
        return 16 * (lines % 2 == 1 ? lines : lines + 1)
    }

    /// 4×4/s2/p1 on an even-sized input. The zero-padded input is split into its four row/column parity planes
    /// ((oh+1)×(ow+1) each), so the column row of every (channel, tap) is one contiguous run of a plane flattened
    /// with row length ow+1 (the extra column per row collects garbage that is dropped). Columns are built for a
    /// tile of output positions at a time and multiplied with the full [outChannels, inChannels·16] weight (K =
    /// inChannels·16, not inChannels as in tap-by-tap products, which re-read the whole output per tap).
    func stridedTiles(_ input: FeatureMap, relu: Bool) -> FeatureMap {
        let h = input.height
        let w = input.width
        let oh = h / 2
        let ow = w / 2
        let ph = oh + 1
        let pw = ow + 1
        let planeSize = ph * pw
        let channelStride = 4 * planeSize
        // planes[ci][py][px][a][b] = padded(2a + py, 2b + px); +pw+1 slack so the last shifted read stays in bounds.
        let planeCount = inChannels * channelStride + pw + 1
        let planes = UnsafeMutablePointer<Float>.allocate(capacity: planeCount)
        defer { planes.deallocate() }
        planes.initialize(repeating: 0, count: planeCount)
        input.values.withUnsafeBufferPointer { x in
            for ci in 0..<inChannels {
                for iy in 0..<h {
                    let src = x.baseAddress! + (ci * h + iy) * w
                    let yp = iy + 1
                    let row = planes + ci * channelStride + (yp & 1) * 2 * planeSize + (yp >> 1) * pw
                    // Padded column xp = ix + 1: odd ix lands in parity plane 0 at (ix + 1) / 2, even ix in plane 1
                    // at ix / 2.
                    let even = row
                    let odd = row + planeSize
                    for j in 0..<(w / 2) {
                        odd[j] = src[2 * j]
                        even[j + 1] = src[2 * j + 1]
                    }
                }
            }
        }
        let n = oh * pw
        let k = inChannels * 16
        let tile = min(n, max(128, Self.tileBytes / (4 * k)))
        let rowStride = Self.conflictFreeStride(tile)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: k * rowStride)
        defer { columns.deallocate() }
        // With packed filters, each panel's product is column-major ([column][lane]); otherwise sgemm's row-major.
        let productCount = panels.map { $0.panelCount * $0.width * tile } ?? outChannels * tile
        let product = UnsafeMutablePointer<Float>.allocate(capacity: productCount)
        defer { product.deallocate() }
        var out = [Float](unsafeUninitializedCapacity: outChannels * oh * ow) { _, count in count = outChannels * oh * ow }
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    for j0 in Swift.stride(from: 0, to: n, by: tile) {
                        let count = min(tile, n - j0)
                        // Row (ci, ky, kx) matches the weight's [outChannels, inChannels, 4, 4] layout.
                        for ci in 0..<inChannels {
                            let channel = planes + ci * channelStride + j0
                            for ky in 0..<4 {
                                for kx in 0..<4 {
                                    let src = channel + ((ky & 1) * 2 + (kx & 1)) * planeSize + (ky >> 1) * pw + (kx >> 1)
                                    (columns + ((ci * 4 + ky) * 4 + kx) * rowStride).update(from: src, count: count)
                                }
                            }
                        }
                        if let panels {
                            panels.product(right: columns, columnStride: rowStride, columns: count, out: product)
                        } else {
                            BLAS.sgemm(
                                m: outChannels, n: count, k: k, a: wt.baseAddress!, lda: k, b: columns, ldb: rowStride,
                                c: product, ldc: count)
                        }
                        // Channel co's product for the tile's columns: a row of sgemm's result, or a lane of a panel's
                        // column-major result.
                        let columnStride = panels?.width ?? 1
                        func productRow(_ co: Int) -> UnsafeMutablePointer<Float> {
                            guard let w = panels?.width else { return product + co * count }
                            return product + (co / w) * w * count + co % w
                        }
                        // Scatter the tile's valid columns (ox < ow) row segment by row segment.
                        var j = j0
                        while j < j0 + count {
                            let oy = j / pw
                            let ox0 = j - oy * pw
                            let segmentEnd = min(j0 + count, (oy + 1) * pw)
                            let ox1 = min(ow, segmentEnd - oy * pw)
                            if ox1 > ox0 {
                                for co in 0..<outChannels {
                                    biasReLU(
                                        from: productRow(co) + (j - j0) * columnStride, stride: columnStride,
                                        to: o.baseAddress! + (co * oh + oy) * ow + ox0, count: ox1 - ox0, bias: b[co], relu: relu)
                                }
                            }
                            j = segmentEnd
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, height: oh, width: ow, values: out)
    }

    /// Rows (ci, ky, kx), columns (oy, ox): the input patch under each output position, zero outside. The valid
    /// output columns of a tap are computed once per tap; stride-1 rows are copied as contiguous runs.
    func im2col(_ input: FeatureMap, outHeight oh: Int, outWidth ow: Int) -> [Float] {
        let h = input.height
        let w = input.width
        let kk = kernel
        let rows = inChannels * kk * kk
        let n = oh * ow
        return [Float](unsafeUninitializedCapacity: rows * n) { col, count in
            input.values.withUnsafeBufferPointer { x in
                for kx in 0..<kk {
                    // Valid ox: 0 <= ox * stride - padding + kx < w.
                    let oxLo = min(ow, max(0, (padding - kx + stride - 1) / stride))
                    let last = w - 1 + padding - kx
                    let oxHi = last < 0 ? oxLo : max(oxLo, min(ow, last / stride + 1))
                    for ci in 0..<inChannels {
                        let plane = x.baseAddress! + ci * h * w
                        for ky in 0..<kk {
                            let row = col.baseAddress! + ((ci * kk + ky) * kk + kx) * n
                            for oy in 0..<oh {
                                let iy = oy * stride - padding + ky
                                let dst = row + oy * ow
                                if iy < 0 || iy >= h {
                                    dst.update(repeating: 0, count: ow)
                                    continue
                                }
                                dst.update(repeating: 0, count: oxLo)
                                let src = plane + iy * w + oxLo * stride - padding + kx
                                if stride == 1 {
                                    (dst + oxLo).update(from: src, count: oxHi - oxLo)
                                } else {
                                    for i in 0..<(oxHi - oxLo) { dst[oxLo + i] = src[i * stride] }
                                }
                                (dst + oxHi).update(repeating: 0, count: ow - oxHi)
                            }
                        }
                    }
                }
            }
            count = rows * n
        }
    }
}

/// dst[i] = src[i] + bias, clamped at zero with `relu`.
@inline(__always)
func biasReLU(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int, bias: Float, relu: Bool) {
    if relu {
        for i in 0..<count { dst[i] = max(src[i] + bias, 0) }
    } else {
        for i in 0..<count { dst[i] = src[i] + bias }
    }
}

/// dst[i] = src[i · stride] + bias, clamped at zero with `relu`.
@inline(__always)
func biasReLU(from src: UnsafePointer<Float>, stride: Int, to dst: UnsafeMutablePointer<Float>, count: Int, bias: Float, relu: Bool) {
    if stride == 1 { return biasReLU(from: src, to: dst, count: count, bias: bias, relu: relu) }
    if relu {
        for i in 0..<count { dst[i] = max(src[i * stride] + bias, 0) }
    } else {
        for i in 0..<count { dst[i] = src[i * stride] + bias }
    }
}
