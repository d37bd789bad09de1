import ArgumentParser
import BenchtopBenchKit
import Foundation

/// `benchtop-bench viewer`: the viewer's frame rate with the ImGui panels and without (`--no-panels`), runs of the
/// real `benchtop view` binary interleaved in the same minute, under a virtual X server (`xvfb-run`) unless
/// DISPLAY is set. Each run draws `--frames` frames without vsync; the rate is frames over the run loop's wall time.
struct ViewerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewer", abstract: "Viewer frame rate with and without the ImGui panels (benchtop view, interleaved runs).")

    @Option(help: "Scene.") var scene = "pick_cube"
    @Option(help: "Frames per run.") var frames = 150
    @Option(help: "Runs of each variant (interleaved).") var repeats = 3
    @Option(help: "Window size WIDTHxHEIGHT.") var size = "1280x800"
    @Option(help: "The benchtop executable (default: next to this program).") var benchtop: String?

    func run() throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let binary = benchtop ?? here.appendingPathComponent("benchtop").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchtopError("no benchtop executable at \(binary)") }
        let display = ProcessInfo.processInfo.environment["DISPLAY"].map { !$0.isEmpty } ?? false
        let prefix = display ? [] : ["xvfb-run", "-a", "-s", "-screen 0 \(size)x24"]
        var rates: [Bool: [Double]] = [true: [], false: []]
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        for k in 0..<repeats {
            for panels in [true, false] {
                let args = prefix + [binary, "view", scene, "--frames", "\(frames)", "--size", size] + (panels ? [] : ["--no-panels"])
                let result = try runProcess(args)
                guard result.status == 0, let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("viewer:") }),
                    let open = line.range(of: "("), let close = line.range(of: " FPS)"),
                    let fps = Double(line[open.upperBound..<close.lowerBound])
                else { throw BenchtopError("benchtop view failed (status \(result.status)): \(result.output.suffix(400))") }
                rates[panels]!.append(fps)
                print("run \(k + 1) \(panels ? "panels   " : "no panels"): \(String(format: "%.2f", fps)) FPS")
            }
        }
        let with = median(rates[true]!)
        let without = median(rates[false]!)
        print(
            String(
                format:
                    "viewer %@ %@, %d frames: panels %.2f FPS, no panels %.2f FPS (median of %d), panels/no panels %.2f; load average %@ at the start",
                scene, size, frames, with, without, repeats, with / without, load))
    }
}
