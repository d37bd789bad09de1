import BenchtopNumerics
import BenchtopTestSupport
import Foundation
import Testing

/// OpenBLAS kernel selection by CPU features (BLASKernels): the choice table, and the real selection path in the
/// `benchtop` executable with OpenBLAS forced onto its generic Prescott kernels, compared with those kernels.
@Suite struct BLASKernelTests {
    @Test func bestCoreFollowsFeatures() {
        #expect(BLASKernels.bestCore(for: CPUFeatures()) == nil)
        #expect(BLASKernels.bestCore(for: CPUFeatures(avx: true)) == "Sandybridge")
        #expect(BLASKernels.bestCore(for: CPUFeatures(avx: true, fma: true, avx2: true)) == "Haswell")
        #expect(BLASKernels.bestCore(for: CPUFeatures(avx: true, fma: true, avx2: true, isAMD: true)) == "Zen")
        // Sapphire Rapids and Zen 4 (BF16) and Skylake-SP (no BF16).
        #expect(BLASKernels.bestCore(for: CPUFeatures(avx: true, fma: true, avx2: true, avx512: true, avx512BF16: true)) == "Cooperlake")
        #expect(BLASKernels.bestCore(for: CPUFeatures(avx: true, fma: true, avx2: true, avx512: true)) == "SkylakeX")
    }

    @Test func replacesOnlyNarrowerKernels() {
        let sapphireRapids = CPUFeatures(avx: true, fma: true, avx2: true, avx512: true, avx512BF16: true)
        #expect(BLASKernels.replacement(forChosen: "Prescott", features: sapphireRapids) == "Cooperlake")
        #expect(BLASKernels.replacement(forChosen: "Haswell", features: sapphireRapids) == "Cooperlake")
        #expect(BLASKernels.replacement(forChosen: "Cooperlake", features: sapphireRapids) == nil)
        #expect(BLASKernels.replacement(forChosen: "SkylakeX", features: sapphireRapids) == nil)
        let zen2 = CPUFeatures(avx: true, fma: true, avx2: true, isAMD: true)
        #expect(BLASKernels.replacement(forChosen: "Zen", features: zen2) == nil)
        #expect(BLASKernels.replacement(forChosen: "Nehalem", features: zen2) == "Zen")
        #expect(BLASKernels.replacement(forChosen: "Prescott", features: CPUFeatures()) == nil)
    }

    /// Runs `benchtop check blas --dump` with OpenBLAS forced to Prescott, once keeping it (the reference kernels) and
    /// once letting Benchtop select by CPU features; the results must agree within sgemm's reordering error and
    /// the VQ-VAE codes exactly.
    @Test func selectedKernelsMatchReferenceKernels() throws {
        let reference = try dump(keepOpenBLASChoice: true)
        let selected = try dump(keepOpenBLASChoice: false)
        #expect(reference.core == "Prescott")
        #expect(selected.core == BLASKernels.bestCore(for: .current) ?? "Prescott", "\(selected.report)")
        if selected.core != "Prescott" { #expect(selected.report.contains("OpenBLAS chose Prescott")) }

        #expect(reference.sgemm.count == selected.sgemm.count)
        let sgemmError = zip(reference.sgemm, selected.sgemm).map { abs($0 - $1) }.max() ?? .infinity
        #expect(sgemmError < 1e-4, "sgemm max difference \(sgemmError)")
        #expect(reference.features.count == selected.features.count && !reference.features.isEmpty)
        let scale = reference.features.map(abs).max() ?? 0
        let featureError = zip(reference.features, selected.features).map { abs($0 - $1) }.max() ?? .infinity
        #expect(featureError <= 1e-4 * scale, "VQ-VAE features max difference \(featureError) (scale \(scale))")
        #expect(reference.codes == selected.codes)
        #expect(Set(reference.codes).count > 1, "the fixed input should use more than one code")
    }

    struct Dump: Decodable {
        var core: String
        var report: String
        var sgemm: [Float]
        var features: [Float]
        var codes: [Int]
    }

    private func dump(keepOpenBLASChoice: Bool) throws -> Dump {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("blas-\(getpid())-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        var environment = ["OPENBLAS_CORETYPE": "Prescott"]
        if keepOpenBLASChoice { environment["BENCHTOP_BLAS_KERNELS"] = "openblas" }
        let r = try ChildProcess.run(
            try BenchtopBinary.path(), ["check", "blas", "--dump", out.path], environment: environment,
            unset: ["BENCHTOP_BLAS_SELECTED"] + (keepOpenBLASChoice ? [] : ["BENCHTOP_BLAS_KERNELS"]), timeout: 300)
        #expect(r.status == 0, "\(r.output.suffix(2000))")
        return try JSONDecoder().decode(Dump.self, from: Data(contentsOf: out))
    }

}
