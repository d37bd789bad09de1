import BenchtopImage
import Foundation
import Testing

/// Runs the real `benchtop eval --view` in a virtual X server with a scripted mouse stroke on the primary panel.
/// Not skipped when Xvfb is missing: it fails and says so.
@Suite(.serialized) struct EvalViewTests {
    @Test func liveEvalShowsTheSteeringTraceAndBothDepthMaps() throws {
        let xvfb = "/usr/bin/xvfb-run"
        try #require(
            FileManager.default.isExecutableFile(atPath: xvfb),
            "xvfb-run is missing: install it (Debian: apt-get install xvfb xauth) to test the eval viewer")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-evalview-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let shot = "\(tmp)/shot.png"
        let (status, output) = try ViewerTests.run(
            xvfb,
            [
                "-a", "-s", "-screen 0 1280x800x24", try ViewerTests.benchtop(), "eval", "pick_cube", "--view", "--episodes", "1",
                "--frames", "24", "--size", "1280x800", "--screenshot", shot, "--out", tmp, "--no-video",
                "--steer", "60,150;90,160;120,170;150,160;180,140;200,120",
            ])
        #expect(status == 0, "eval --view exited with \(status): \(output)")
        let png = try PNG.decode(Data(contentsOf: URL(fileURLWithPath: shot)))
        try #require(png.width == 1280 && png.height == 800 && png.channels == 3)
        func pixel(_ x: Int, _ y: Int) -> (Int, Int, Int) {
            let i = 3 * (y * png.width + x)
            return (Int(png.samples[i]), Int(png.samples[i + 1]), Int(png.samples[i + 2]))
        }
        // Layout at 1280 x 800: camera panels 384 px wide on the right, the primary one first (370 px square at
        // x 903, y 24); the reasoning panel (4 x 2 tiles of 208 px) along the bottom left, from y 380.
        var steering = 0
        var predicted = 0
        for y in 24..<394 {
            for x in 903..<1273 {
                let (r, g, b) = pixel(x, y)
                if r > 230 && g > 110 && g < 170 && b < 40 { steering += 1 }  // the drawn trace, orange
                if r > 220 && g < 90 && b > 160 { predicted += 1 }  // the policy's predicted trace, magenta
            }
        }
        #expect(steering > 200, "the steering trace should be drawn on the primary panel (\(steering) orange pixels)")
        #expect(predicted > 30, "the predicted trace should be drawn on the primary panel (\(predicted) magenta pixels)")
        // Predicted depth tokens decoded, and the rendered depth: each tile a real picture, not a flat fill.
        for (name, x0) in [("predicted-token depth", 212), ("rendered depth", 420)] {
            var colours: [UInt32: Int] = [:]
            for y in 392..<588 {
                for x in x0..<(x0 + 208) {
                    let (r, g, b) = pixel(x, y)
                    colours[UInt32(r << 16 | g << 8 | b), default: 0] += 1
                }
            }
            let commonest = Double(colours.values.max() ?? 0) / Double(196 * 208)
            #expect(colours.count > 50 && commonest < 0.3, "\(name) panel looks empty: \(colours.count) colours, commonest \(commonest)")
        }
    }

    @Test func withoutADisplayEvalViewSaysSoAndSuggestsXvfb() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DISPLAY"] = nil
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-evalview-nodisplay-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let (status, output) = try ViewerTests.run(
            try ViewerTests.benchtop(),
            [
                "eval", "pick_cube", "--view", "--episodes", "1",
                "--out", tmp, "--no-video",
            ], environment: environment)
        #expect(status != 0)
        #expect(output.contains("DISPLAY is not set"))
        #expect(output.contains("xvfb-run"))
    }
}
