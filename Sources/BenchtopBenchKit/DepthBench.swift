import ArgumentParser
import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import Foundation

/// `benchtop bench depth`: encode/decode time per frame of the full-size MolmoAct depth VQ-VAE on one core,
/// against PyTorch on CPU (tools/vqvae_golden.py) measured in the same run when torch is importable.
public struct DepthBench: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "depth", abstract: "Depth VQ-VAE encode/decode ms per frame (320x320, single thread) vs PyTorch CPU.")

    @Option(help: "Timed repetitions (after 3 warm-up runs).") var reps = 20
    @Option(help: "Seed of the random weights (real shapes, 7.7 M parameters).") var seed: UInt64 = 7
    @Option(help: "Python interpreter for the PyTorch peer (default: the venv `scripts/setup.sh --test` makes, with torch).")
    var python = cachedVenvPython("venv-torch") ?? "python3"
    @Option(help: "A PyTorch result recorded elsewhere (tools/vqvae_golden.py --bench), used when torch is not importable here.")
    var torchJSON: String?
    @Option(help: "Write the figures as markdown to this file (e.g. docs/perf-depth.md).") var write: String?
    @Flag(help: "Also time each encoder layer: inside the real encode, and each shape on its own with OpenBLAS (where the time goes).")
    var layers = false

    public init() {}

    public func run() throws {
        BLAS.setThreadCount(1)
        if layers { Self.timeLayers(reps: reps) }
        let model = try DepthVQVAE(configuration: .molmoAct, randomSeed: seed)
        let input = DepthNormalization.modelInput(SyntheticDepth.tabletop(width: 256, height: 256), size: 320)
        var codes = model.codes(for: input)
        for _ in 0..<3 {
            codes = model.codes(for: input)
            _ = model.decode(codes: codes)
        }
        if layers { Self.timeLayersInPipeline(model, input: input, reps: reps) }
        var encode: [Double] = []
        var decode: [Double] = []
        var encodeCPU: [Double] = []
        var decodeCPU: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<reps {
            var t = clock.now
            var c = threadCPUms()
            codes = model.codes(for: input)
            encode.append(milliseconds(clock.now - t))
            encodeCPU.append(threadCPUms() - c)
            t = clock.now
            c = threadCPUms()
            let out = model.decode(codes: codes)
            decode.append(milliseconds(clock.now - t))
            decodeCPU.append(threadCPUms() - c)
            precondition(out.values.count == 320 * 320)
        }
        let swiftEncode = median(encode)
        let swiftDecode = median(decode)
        let cpu = cpuName()
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        print(
            String(
                format:
                    "benchtop (Swift + OpenBLAS, 1 thread, %@): encode %.2f ms, decode %.2f ms wall (median of %d); thread CPU time encode %.2f ms, decode %.2f ms; load average %@",
                cpu, swiftEncode, swiftDecode, reps, median(encodeCPU), median(decodeCPU), load))

        // This machine's sgemm rate (512³, one thread) puts the figures in context across CPUs.
        let sgemmRate = Self.sgemmGFLOPs()
        print(BLASKernels.report)
        print("encoder convolutions (3x3 Winograd, 4x4 stride 2): Benchtop vector kernels, \(VectorKernels.report)")
        let (encodeFLOP, decodeFLOP) = Self.flops(.molmoAct)
        let encodeRate = encodeFLOP / median(encodeCPU) / 1e6
        let decodeRate = decodeFLOP / median(decodeCPU) / 1e6
        print(
            String(
                format: "arithmetic: encode %.2f GFLOP (%.0f GFLOP/s), decode %.2f GFLOP (%.0f GFLOP/s); sgemm 512^3 on this machine %.0f GFLOP/s",
                encodeFLOP / 1e9, encodeRate, decodeFLOP / 1e9, decodeRate, sgemmRate))
        var peer: (encode: Double, decode: Double, cpu: String, version: String, sameRun: Bool)?
        var peerCPU: (encode: Double, decode: Double)?
        if let measured = try? measureTorch() {
            peer = (measured.encode, measured.decode, measured.cpu, measured.version, true)
            peerCPU = measured.threadCPU
        } else if let torchJSON, let recorded = try? Self.readTorchJSON(torchJSON) {
            peer = (recorded.encode, recorded.decode, recorded.cpu, recorded.version, false)
        }
        var lines = [
            "# Depth VQ-VAE performance", "",
            "`benchtop bench depth --reps \(reps)`: MolmoAct's depth VQ-VAE at full size (random weights of the real shapes,",
            "7,689,201 parameters), one 320×320 frame, single thread. Encode = encoder + quantiser (codes);",
            "decode = codebook lookup + decoder. Medians of \(reps) runs after 3 warm-ups. Load average during the run: \(load)",
            "(thread CPU time is given because the machine may be shared). \(BLASKernels.report); encoder convolutions on Benchtop's vector kernels: \(VectorKernels.report).",
            "",
            "| Implementation | CPU | Encode ms | Decode ms |", "|---|---|---|---|",
            String(
                format: "| Benchtop (Swift, OpenBLAS sgemm + own vector kernels, 1 thread), wall | %@ | %.2f | %.2f |", cpu, swiftEncode, swiftDecode),
            String(format: "| Benchtop, thread CPU time | %@ | %.2f | %.2f |", cpu, median(encodeCPU), median(decodeCPU)),
        ]
        let tableEnd = lines.count
        lines += [
            "",
            String(
                format:
                    "Work per frame: encode %.2f GFLOP, decode %.2f GFLOP. Benchtop sustains %.0f (encode) and %.0f (decode) GFLOP/s of thread CPU time; OpenBLAS sgemm 512³ on the same core in the same run: %.0f GFLOP/s.",
                encodeFLOP / 1e9, decodeFLOP / 1e9, encodeRate, decodeRate, sgemmRate),
        ]
        if let peer {
            lines.append(
                String(
                    format: "PyTorch's figures correspond to %.0f (encode) and %.0f (decode) GFLOP/s on its CPU.",
                    encodeFLOP / peer.encode / 1e6, decodeFLOP / peer.decode / 1e6))
            lines += ["", "| Implementation | CPU | Encode ms | Decode ms |", "|---|---|---|---|"]
            lines.removeLast(3)
            lines.insert(
                String(
                    format: "| PyTorch %@ CPU (torch.set_num_threads(1))%@ | %@ | %.2f | %.2f |", peer.version,
                    peer.sameRun ? "" : " — recorded on another machine", peer.cpu, peer.encode, peer.decode), at: tableEnd)
            lines += [
                "",
                String(
                    format: "Ratio Benchtop (wall) / PyTorch: encode %.2f, decode %.2f%@.", swiftEncode / peer.encode,
                    swiftDecode / peer.decode,
                    peer.sameRun ? " (same machine, same run)" : " (different CPUs: not a like-for-like ratio)"),
            ]
            print(
                String(
                    format: "PyTorch %@ (%@%@): encode %.2f ms, decode %.2f ms; ratio encode %.2f, decode %.2f",
                    peer.version, peer.cpu, peer.sameRun ? ", this run" : ", recorded elsewhere", peer.encode, peer.decode,
                    swiftEncode / peer.encode, swiftDecode / peer.decode))
            if let peerCPU {
                let line = String(
                    format:
                        "Thread CPU time (robust to load): PyTorch encode %.2f ms, decode %.2f ms; Benchtop / PyTorch encode %.2f, decode %.2f",
                    peerCPU.encode, peerCPU.decode, median(encodeCPU) / peerCPU.encode, median(decodeCPU) / peerCPU.decode)
                print(line)
                lines += ["", line + "."]
            }
        } else {
            lines += ["", "PyTorch was not importable here and no recorded result was given."]
            print("PyTorch: not available (pass --torch-json with a result of tools/vqvae_golden.py --bench)")
        }
        if let write {
            try (lines.joined(separator: "\n") + "\n").write(toFile: write, atomically: true, encoding: .utf8)
            print("wrote \(write)")
        }
    }

    private struct TorchResult {
        var encode: Double
        var decode: Double
        var cpu: String
        var version: String
        var threadCPU: (encode: Double, decode: Double)?
    }

    /// Runs tools/vqvae_golden.py --bench when `import torch` works here.
    private func measureTorch() throws -> TorchResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-depth-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "tools/vqvae_golden.py", "--out", dir.path, "--bench", "--no-fixtures", "--reps", "\(reps)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("PyTorch peer failed") }
        return try Self.readTorchJSON(dir.appendingPathComponent("torch_cpu_bench.json").path)
    }

    private static func readTorchJSON(_ path: String) throws -> TorchResult {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let encode = object["encode_ms_median"] as? Double, let decode = object["decode_ms_median"] as? Double
        else { throw ValidationError("\(path): expected encode_ms_median and decode_ms_median") }
        var threadCPU: (encode: Double, decode: Double)?
        if let e = object["encode_cpu_ms_median"] as? Double, let d = object["decode_cpu_ms_median"] as? Double { threadCPU = (e, d) }
        return TorchResult(
            encode: encode, decode: decode, cpu: object["cpu"] as? String ?? "unknown CPU",
            version: object["torch"] as? String ?? "?", threadCPU: threadCPU)
    }

    /// Multiply-adds ×2 of every convolution, the quantiser distances and the decoder for a configuration.
    static func flops(_ c: DepthVQVAEConfiguration) -> (encode: Double, decode: Double) {
        var encode = 0.0
        var decode = 0.0
        var size = c.imageSize / 2
        var channels = c.hiddenDim
        encode += Double(channels * size * size * 16)
        for _ in 0..<c.layerCount {
            size /= 2
            encode += Double(2 * channels * size * size * channels * 16)
            channels *= 2
        }
        let cells = Double(size * size)
        let ch = Double(channels)
        let block = 2 * ch * cells * ch * 9 + ch * cells * ch
        encode += Double(c.residualBlocks) * block + Double(c.codebookDim) * cells * ch + cells * Double(c.codebookSize * c.codebookDim)
        decode += ch * cells * Double(c.codebookDim) + Double(c.residualBlocks) * block
        var inC = channels
        var outC = channels
        var side = size
        for i in 0...c.layerCount {
            if i > 0 { outC = inC / 2 }
            decode += Double(inC * outC * 16 * side * side)
            inC = outC
            side *= 2
        }
        decode += Double(inC * side * side)
        return (2 * encode, 2 * decode)
    }

    /// Median GFLOP/s of a 512³ sgemm on the current thread settings.
    static func sgemmGFLOPs() -> Double {
        let n = 512
        let a = [Float](repeating: 0.5, count: n * n)
        let b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var times: [Double] = []
        for _ in 0..<7 {
            let t = threadCPUms()
            BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
            times.append(threadCPUms() - t)
        }
        return 2 * Double(n * n * n) / median(times) / 1e6
    }

    /// Thread CPU ms (median) of each encoder layer inside the real encode (Benchtop's vector kernels where they
    /// run), each pass followed by a decode as in the timed loop, so the filters come from memory as they do there.
    static func timeLayersInPipeline(_ model: DepthVQVAE, input: FeatureMap, reps: Int) {
        let names = model.encoderLayerNames + ["quantiser"]
        var times = [[Double]](repeating: [], count: names.count)
        for _ in 0..<reps {
            var t = threadCPUms()
            let features = model.features(input) { layer in
                let now = threadCPUms()
                times[layer].append(now - t)
                t = threadCPUms()
            }
            let codes = model.quantize(features)
            times[names.count - 1].append(threadCPUms() - t)
            _ = model.decode(codes: codes)
        }
        print("encoder layers inside the encode (thread CPU ms, median of \(reps); vector kernels: \(VectorKernels.report)):")
        for (name, values) in zip(names, times) { print(String(format: "  %@: %.3f ms", name, median(values))) }
        print(String(format: "  sum: %.3f ms", times.map(median).reduce(0, +)))
    }

    /// Thread CPU ms (median) of each encoder layer shape of the full-size model on its own, random weights.
    static func timeLayers(reps: Int) {
        var rng = SeededRandom(seed: 3)
        func conv(_ inC: Int, _ outC: Int, _ k: Int, _ stride: Int, _ padding: Int) -> Convolution2D {
            Convolution2D(
                inChannels: inC, outChannels: outC, kernel: k, stride: stride, padding: padding,
                weight: (0..<(outC * inC * k * k)).map { _ in Float(rng.uniform(-0.1, 0.1)) }, bias: [Float](repeating: 0.01, count: outC))
        }
        let shapes: [(String, Convolution2D, Int)] = [
            ("conv 1->16 4x4/2 at 320", conv(1, 16, 4, 2, 1), 320), ("conv 16->32 4x4/2 at 160", conv(16, 32, 4, 2, 1), 160),
            ("conv 32->64 4x4/2 at 80", conv(32, 64, 4, 2, 1), 80), ("conv 64->128 4x4/2 at 40", conv(64, 128, 4, 2, 1), 40),
            ("conv 128->256 4x4/2 at 20", conv(128, 256, 4, 2, 1), 20), ("conv 256->256 3x3 at 10 (x4)", conv(256, 256, 3, 1, 1), 10),
            ("conv 256->256 1x1 at 10 (x2)", conv(256, 256, 1, 1, 0), 10), ("conv 256->512 1x1 at 10", conv(256, 512, 1, 1, 0), 10),
        ]
        for (name, layer, side) in shapes {
            let input = FeatureMap(
                channels: layer.inChannels, height: side, width: side,
                values: (0..<(layer.inChannels * side * side)).map { _ in Float(rng.uniform(-1, 1)) })
            var times: [Double] = []
            for _ in 0..<(reps + 3) {
                let t = threadCPUms()
                let out = layer(input, relu: true)
                times.append(threadCPUms() - t)
                precondition(out.channels == layer.outChannels)
            }
            let flop =
                2.0 * Double(layer.outChannels * layer.inChannels * layer.kernel * layer.kernel)
                * Double(layer.outputSize(side) * layer.outputSize(side))
            let ms = median(Array(times.dropFirst(3)))
            print(String(format: "  %@: %.3f ms (%.0f GFLOP/s)", name, ms, flop / ms / 1e6))
        }
    }
}
