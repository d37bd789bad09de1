import ArgumentParser
import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import Foundation

/// `benchtop check blas`: which OpenBLAS kernels this program runs and why (BLASKernels), and with `--dump` the
/// results of a fixed sgemm and of the depth VQ-VAE (random weights of the real shapes) on a fixed input, so that
/// runs with different kernels can be compared (BenchtopNumericsTests/BLASKernelTests does).
struct BLASCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas", abstract: "Show the OpenBLAS kernels in use (selected by CPU features when OpenBLAS fell back to generic ones).")

    @Option(help: "Write the kernel name, a fixed sgemm's result and the depth VQ-VAE's features and codes as JSON.")
    var dump: String?

    struct Dump: Codable {
        var core: String
        var report: String
        var sgemm: [Float]
        var features: [Float]
        var codes: [Int]
    }

    func run() throws {
        print(BLASKernels.report)
        print("Benchtop's vector kernels (encoder convolutions): \(VectorKernels.report)")
        guard let dump else { return }
        BLAS.setThreadCount(1)
        var rng = SeededRandom(seed: 11)
        // Odd sizes so that every kernel's edge handling takes part.
        let (m, n, k) = (67, 93, 301)
        let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
        let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        let model = try DepthVQVAE(configuration: .molmoAct, randomSeed: 7)
        let side = model.inputSize
        // A tilted table with two boxes, in the model's [-1, 1] input range.
        var input = FeatureMap(channels: 1, height: side, width: side)
        for y in 0..<side {
            for x in 0..<side {
                var v = -0.6 + 0.9 * Float(y) / Float(side)
                if (60..<140).contains(x) && (150..<230).contains(y) { v -= 0.5 }
                if (200..<260).contains(x) && (90..<180).contains(y) { v -= 0.3 }
                input.values[y * side + x] = v
            }
        }
        let features = model.features(input)
        let result = Dump(
            core: BLASKernels.activeCore, report: BLASKernels.report, sgemm: c, features: features.values,
            codes: model.quantize(features))
        try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: dump))
        print("wrote \(dump)")
    }
}
