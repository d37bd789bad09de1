internal import COpenBLAS
import Foundation

/// The x86-64 features that decide which OpenBLAS kernels a CPU can run (cpuid), with OS support for the wide
/// registers checked (XGETBV).
public struct CPUFeatures: Sendable, Equatable {
    public var avx = false
    public var fma = false
    public var avx2 = false
    /// AVX-512 F, CD, BW, DQ and VL (OpenBLAS's SkylakeX kernels need all five) with ZMM state saved by the OS.
    public var avx512 = false
    public var avx512BF16 = false
    public var isAMD = false

    public init(avx: Bool = false, fma: Bool = false, avx2: Bool = false, avx512: Bool = false, avx512BF16: Bool = false, isAMD: Bool = false) {
        self.avx = avx
        self.fma = fma
        self.avx2 = avx2
        self.avx512 = avx512
        self.avx512BF16 = avx512BF16
        self.isAMD = isAMD
    }

    /// This CPU's features (all false on other architectures).
    public static let current: CPUFeatures = {
        let f = benchtop_read_cpu_features()
        let ymm = f.osSavesYMM != 0
        let zmm = f.osSavesZMM != 0
        let avx512 = zmm && [f.avx512f, f.avx512cd, f.avx512bw, f.avx512dq, f.avx512vl].allSatisfy { $0 != 0 }
        return CPUFeatures(
            avx: ymm && f.avx != 0, fma: ymm && f.fma != 0, avx2: ymm && f.avx2 != 0, avx512: avx512,
            avx512BF16: avx512 && f.avx512bf16 != 0, isAMD: f.amd != 0)
    }()

    /// Short list for reports, e.g. "AVX-512, BF16, AVX2, FMA".
    public var summary: String {
        let names = [(avx512, "AVX-512"), (avx512BF16, "BF16"), (avx2, "AVX2"), (fma, "FMA"), (avx, "AVX")]
        let present = names.filter(\.0).map(\.1)
        return present.isEmpty ? "no AVX" : present.joined(separator: ", ")
    }
}

/// OpenBLAS kernel selection by CPU features.
///
/// Debian's OpenBLAS 0.3.21 is built DYNAMIC_ARCH: it carries kernels for many cores and picks one when it loads, by
/// CPU *model number*. On CPUs newer than its table (Intel Sapphire Rapids, for one) it falls back to the generic
/// `Prescott` kernels (SSE3), 3-4x slower than the AVX-512 ones. OpenBLAS reads `OPENBLAS_CORETYPE` only while it
/// loads, so a program that sees the fallback sets that variable to the best core its CPU's *features* support and
/// re-executes itself (`selectByCPUFeatures()`, first thing in `main` of every executable). Re-exec was chosen over
/// loading OpenBLAS late with dlopen: it keeps the ordinary link (LAPACKE links OpenBLAS too), it costs nothing on
/// CPUs OpenBLAS knows, and the fallback is detected from OpenBLAS's own choice instead of a copy of its table.
/// `BENCHTOP_BLAS_KERNELS=openblas` keeps OpenBLAS's choice (the reference kernels).
public enum BLASKernels {
    /// The core type OpenBLAS is running, e.g. "Haswell".
    public static var activeCore: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Environment variable set before the re-exec: "CHOSEN->SELECTED" (what OpenBLAS chose, what replaced it).
    static let selectionVariable = "BENCHTOP_BLAS_SELECTED"

    /// The best core type among those Debian's build carries that `features` can run, or nil for none above
    /// the generic kernels.
    public static func bestCore(for features: CPUFeatures) -> String? {
        if features.avx512 { return features.avx512BF16 ? "Cooperlake" : "SkylakeX" }
        if features.avx2 && features.fma { return features.isAMD ? "Zen" : "Haswell" }
        if features.avx { return "Sandybridge" }
        return nil
    }

    /// Vector width class of a core's kernels: 0 generic (SSE), 1 AVX, 2 AVX2 + FMA, 3 AVX-512.
    static func tier(_ core: String) -> Int {
        switch core.lowercased() {
        case "cooperlake", "skylakex", "sapphirerapids": 3
        case "haswell", "zen", "excavator", "steamroller": 2
        case "sandybridge", "bulldozer", "piledriver": 1
        default: 0
        }
    }

    /// The core to select when OpenBLAS chose `chosen` on a CPU with `features`: nil when its choice is already as
    /// wide as the CPU allows (OpenBLAS's own choice is kept then, e.g. Zen for an AMD Zen 2).
    public static func replacement(forChosen chosen: String, features: CPUFeatures) -> String? {
        guard let best = bestCore(for: features), tier(best) > tier(chosen) else { return nil }
        return best
    }

    /// When OpenBLAS fell back to kernels narrower than this CPU supports, sets `OPENBLAS_CORETYPE` and re-executes
    /// the program (same arguments, environment and open files); otherwise returns at once. Call it first in `main`.
    public static func selectByCPUFeatures() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["BENCHTOP_BLAS_KERNELS"] != "openblas", environment[selectionVariable] == nil else { return }
        let chosen = activeCore
        guard let core = replacement(forChosen: chosen, features: .current) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(selectionVariable, "\(chosen)->\(core)", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on with OpenBLAS's kernels and say so.
        unsetenv(selectionVariable)
        FileHandle.standardError.write(
            Data("benchtop: OpenBLAS chose its \(chosen) kernels and re-executing with \(core) failed (errno \(errno))\n".utf8))
    }

    /// One line for benchmark reports, e.g. "OpenBLAS Cooperlake kernels (OpenBLAS chose Prescott; selected by
    /// CPU features: AVX-512, BF16, AVX2, FMA, AVX)".
    public static var report: String {
        let active = activeCore
        let features = CPUFeatures.current.summary
        if let selection = ProcessInfo.processInfo.environment[selectionVariable],
            let arrow = selection.range(of: "->")
        {
            return "OpenBLAS \(active) kernels (OpenBLAS chose \(selection[..<arrow.lowerBound]); selected by CPU features: \(features))"
        }
        return "OpenBLAS \(active) kernels (OpenBLAS's own choice; CPU features: \(features))"
    }
}
