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
        // Layout at 1280 x 800 with the panels: camera panels 320 px wide on the right, the primary one first (312 px
        // square at x 964, y 24); the reasoning window (4 x 2 tiles of 208 px scaled by 0.764 to 159 px) at the
        // bottom of the main view, its picture from x 316, y 463.
        var steering = 0
        var predicted = 0
        for y in 24..<336 {
            for x in 964..<1276 {
                let (r, g, b) = pixel(x, y)
                if r > 230 && g > 110 && g < 170 && b < 40 { steering += 1 }  // the drawn trace, orange
                if r > 220 && g < 90 && b > 160 { predicted += 1 }  // the policy's predicted trace, magenta
            }
        }
        #expect(steering > 150, "the steering trace should be drawn on the primary panel (\(steering) orange pixels)")
        #expect(predicted > 30, "the predicted trace should be drawn on the primary panel (\(predicted) magenta pixels)")
        // Predicted depth tokens decoded, and the rendered depth: each tile a real picture, not a flat fill.
        for (name, x0) in [("predicted-token depth", 477), ("rendered depth", 636)] {
            var colours: [UInt32: Int] = [:]
            for y in 475..<620 {
                for x in x0..<(x0 + 155) {
                    let (r, g, b) = pixel(x, y)
                    colours[UInt32(r << 16 | g << 8 | b), default: 0] += 1
                }
            }
            let commonest = Double(colours.values.max() ?? 0) / Double(145 * 155)
            #expect(colours.count > 50 && commonest < 0.3, "\(name) panel looks empty: \(colours.count) colours, commonest \(commonest)")
        }
    }

    /// Runs `eval pick_cube --view` with a scripted stroke and returns results.json.
    static func steeredRun(_ extra: [String]) throws -> [String: Any] {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-evalsteer-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let (status, output) = try ViewerTests.run(
            "/usr/bin/xvfb-run",
            ["-a", "-s", "-screen 0 1280x800x24", try ViewerTests.benchtop(), "eval", "pick_cube", "--view", "--out", tmp, "--no-video"]
                + ["--steer", "60,150;90,160;120,170;150,160;180,140;200,120"] + extra)
        #expect(status == 0, "eval --view exited with \(status): \(output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(tmp)/results.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A stroke drawn during an episode steers it: results.json marks the episode, the report counts it, and the
    /// header counts the episodes that ran (1 of the 3 asked for, as the window closes during the second).
    @Test func aSteeredEpisodeIsMarkedAndTheHeaderCountsEpisodesThatRan() throws {
        let json = try Self.steeredRun(["--episodes", "3", "--horizon", "12", "--frames", "16"])
        let settings = try #require(json["settings"] as? [String: Any])
        let episodes = try #require(json["episodes"] as? [[String: Any]])
        #expect(episodes.count == 1)
        #expect(episodes.first?["steered"] as? Bool == true)
        #expect(settings["episodes"] as? String == "1 of 3 requested")
        #expect((settings["steered episodes"] as? String)?.hasPrefix("1 of 1") == true, "\(settings)")
    }

    /// A stroke begun in the last ticks of one episode and finished in the next steers neither.
    @Test func aStrokeAcrossAnEpisodeBoundarySteersNeitherEpisode() throws {
        let json = try Self.steeredRun(["--episodes", "2", "--horizon", "10", "--frames", "24", "--steer-after", "6"])
        let episodes = try #require(json["episodes"] as? [[String: Any]])
        #expect(episodes.count == 2)
        #expect(episodes.allSatisfy { $0["steered"] as? Bool == false }, "\(episodes.map { $0["steered"] ?? "?" })")
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
