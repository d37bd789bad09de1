import ArgumentParser
import BenchtopARM
import BenchtopBenchKit
import BenchtopCore
import BenchtopNumerics
import Foundation

/// `benchtop bench arm`: ms per Benchtop ARM query (both images preprocessed, the three stages) on one core,
/// against the same model in PyTorch on CPU (bench/arm_torch.py, one thread) in the same run, interleaved.
struct ARMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arm", abstract: "Benchtop ARM ms per query (one thread) vs PyTorch CPU on the same weights.")

    @Option(help: "Weights (default: the shipped Franka weights).") var weights: String?
    @Option(help: "Timed queries per round (after 5 warm-up queries).") var reps = 200
    @Option(help: "Interleaved rounds (Swift, PyTorch, Swift, ...).") var rounds = 3
    @Option(help: "Side of the square camera images fed to the model (128 is its input size; larger ones are pooled).")
    var imageSize = 128
    @Option(help: "Python interpreter with torch and safetensors for the PyTorch peer (skipped when it fails).")
    var python = "python3"

    func run() throws {
        BLAS.setThreadCount(1)
        let model = try weights.map { try ARMModel(path: $0) } ?? ARMModel.shipped()
        let path = weights ?? model.source
        var rng = SeededRandom(seed: 1)
        func image() -> RGBImage {
            RGBImage(
                width: imageSize, height: imageSize, pixels: (0..<(imageSize * imageSize * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let primary = image()
        let wrist = image()
        let state = [0.45, 0.02, 1.1, 3.1, 0.05, -0.1, 1.0]
        let instruction = "pick up the red cube"
        let workspace = ARMWorkspace()
        func query() throws -> ARMOutput {
            try model.infer(
                primary: ARMModel.preprocess(primary), wrist: ARMModel.preprocess(wrist), state: state, instruction: instruction,
                workspace: workspace)
        }
        for _ in 0..<5 { _ = try query() }
        var swiftWall: [Double] = []
        var swiftCPU: [Double] = []
        var torch: [Double] = []
        var torchCPU: [Double] = []
        var torchVersion = "?"
        let clock = ContinuousClock()
        for round in 0..<rounds {
            var wall: [Double] = []
            var cpu: [Double] = []
            for _ in 0..<reps {
                let t = clock.now
                let c = threadCPUms()
                _ = try query()
                wall.append(milliseconds(clock.now - t))
                cpu.append(threadCPUms() - c)
            }
            swiftWall.append(median(wall))
            swiftCPU.append(median(cpu))
            print(
                String(format: "round %d: benchtop %.3f ms wall, %.3f ms thread CPU (median of %d)", round + 1, swiftWall.last!, swiftCPU.last!, reps)
            )
            let peer = try runProcess(
                [python, "bench/arm_torch.py", "--weights", path, "--reps", "\(reps)", "--image-size", "\(imageSize)"],
                environment: ["OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"])
            if peer.status == 0, let last = peer.output.split(separator: "\n").last,
                let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], let ms = object["ms_median"] as? Double
            {
                torch.append(ms)
                torchCPU.append(object["cpu_ms_median"] as? Double ?? .nan)
                torchVersion = object["torch"] as? String ?? "?"
                print(
                    String(
                        format: "round %d: PyTorch %@ %.3f ms wall, %.3f ms thread CPU (median of %d)", round + 1, torchVersion, ms,
                        torchCPU.last!, reps))
            } else {
                print("round \(round + 1): PyTorch peer failed (status \(peer.status)); pass --python with a venv that has torch and safetensors")
            }
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        print(
            String(
                format: "Benchtop ARM, %d x %d images, %@, load average %@: benchtop %.3f ms/query wall (%.3f ms thread CPU), median of %d rounds",
                imageSize, imageSize, cpuName(), load, median(swiftWall), median(swiftCPU), rounds))
        if !torch.isEmpty {
            print(
                String(
                    format: "PyTorch %@ CPU, 1 thread: %.3f ms/query wall (%.3f ms thread CPU); benchtop / PyTorch = %.2f wall, %.2f thread CPU",
                    torchVersion, median(torch), median(torchCPU), median(swiftWall) / median(torch), median(swiftCPU) / median(torchCPU)))
        }
    }
}
