internal import CNumericsKernels

/// Benchtop's own vector kernels (CNumericsKernels) for the shapes where OpenBLAS loses: which width this CPU runs.
public enum VectorKernels {
    /// Floats per vector register the kernels run at on this CPU: 16 with AVX-512, 8 with AVX2 + FMA, 0 without
    /// either (callers then keep their OpenBLAS path).
    public static let width: Int = {
        let cpu = CPUFeatures.current
        if cpu.avx512 && supports(width: 16) { return 16 }
        if cpu.avx2 && cpu.fma && supports(width: 8) { return 8 }
        return 0
    }()

    /// Whether this build carries kernels of `width` floats (16 and 8 on x86-64; the CPU is not checked).
    public static func supports(width: Int) -> Bool { bk_supports_vector_width(Int32(width)) != 0 }

    /// Whether this CPU runs kernels of `width` floats (AVX-512 CPUs run the AVX2 ones too).
    public static func runs(width: Int) -> Bool { width > 0 && width <= self.width && supports(width: width) }

    /// The widths this CPU can run, widest first (for tests that compare them).
    public static var runnableWidths: [Int] { [16, 8].filter(runs(width:)) }

    /// Short description for reports, e.g. "AVX-512 (16 floats)".
    public static var report: String {
        switch width {
        case 16: "AVX-512 (16 floats)"
        case 8: "AVX2 + FMA (8 floats)"
        default: "none (no AVX2 + FMA: OpenBLAS only)"
        }
    }
}

/// A weight matrix [rows][depth] packed once in panels of `width` rows for `bk_panels_product`.
struct PackedPanels: Sendable {
    let width: Int
    let rows: Int
    let depth: Int
    let values: [Float]

    /// nil unless this CPU runs `width`.
    init?(_ matrix: [Float], rows: Int, depth: Int, width: Int) {
        guard VectorKernels.runs(width: width) else { return nil }
        self.width = width
        self.rows = rows
        self.depth = depth
        let count = bk_panels_count(Int32(rows), Int32(depth), Int32(width))
        values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            matrix.withUnsafeBufferPointer { bk_pack_panels($0.baseAddress!, Int32(rows), Int32(depth), Int32(width), buffer.baseAddress!) }
            initialized = count
        }
    }

    var panelCount: Int { (rows + width - 1) / width }

    /// For every panel p: out[p][c][lane] = Σ_d matrix[p · width + lane][d] · right[d · columnStride + c] for
    /// c < columns, panel p's result at out + p · columns · width.
    func product(right: UnsafePointer<Float>, columnStride: Int, columns: Int, out: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { v in
            bk_panels_product(
                Int32(width), v.baseAddress!, Int32(depth), Int32(panelCount), right, Int32(columnStride), Int32(columns), out)
        }
    }
}

/// Winograd F(2×2, 3×3) filters of a `Convolution2D`, transformed and packed once for the vector kernels.
struct WinogradFilters: Sendable {
    let width: Int
    let packed: [Float]

    /// 3×3 filters [outChannels][inChannels][3][3]; nil unless this CPU runs `width`.
    init?(_ weight: [Float], outChannels: Int, inChannels: Int, width: Int) {
        guard VectorKernels.runs(width: width) else { return nil }
        self.width = width
        let count = bk_winograd_packed_count(Int32(outChannels), Int32(inChannels), Int32(width))
        packed = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            weight.withUnsafeBufferPointer { w in
                bk_winograd_pack(w.baseAddress!, Int32(outChannels), Int32(inChannels), Int32(width), buffer.baseAddress!)
            }
            initialized = count
        }
    }

    /// The convolution of `input` through the packed filters, bias added, clamped at zero with `relu`.
    func convolve(_ input: FeatureMap, _ conv: Convolution2D, relu: Bool) -> FeatureMap {
        let (h, w) = (input.height, input.width)
        let count = conv.outChannels * h * w
        let scratchCount = bk_winograd_scratch_count(Int32(conv.inChannels), Int32(h), Int32(w), Int32(width))
        // Aligned to a cache line: the products store whole vectors into it.
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCount * MemoryLayout<Float>.stride, alignment: 64)
        defer { scratch.deallocate() }
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            packed.withUnsafeBufferPointer { filters in
                conv.bias.withUnsafeBufferPointer { bias in
                    input.values.withUnsafeBufferPointer { x in
                        bk_winograd_conv3x3(
                            Int32(width), filters.baseAddress!, bias.baseAddress!, x.baseAddress!, Int32(conv.inChannels),
                            Int32(conv.outChannels), Int32(h), Int32(w), relu ? 1 : 0, scratch.assumingMemoryBound(to: Float.self),
                            buffer.baseAddress!)
                    }
                }
            }
            initialized = count
        }
        return FeatureMap(channels: conv.outChannels, height: h, width: w, values: out)
    }
}
