import BenchtopCore
import BenchtopImage
import BenchtopTestSupport
import BenchtopViewer
import Foundation
import Testing

/// Runs the real `benchtop view` binary in a virtual X server. Not skipped when Xvfb is missing: it fails and says so.
@Suite(.serialized) struct ViewerTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()

    /// The benchtop executable built next to this test bundle.
    static func benchtop() throws -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [here, here.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("benchtop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        Issue.record("benchtop executable not found next to \(here.path); build it with swift build first")
        throw CancellationError()
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
        // `environment`, when given, is the child's whole environment.
        let unset = environment.map { given in ProcessInfo.processInfo.environment.keys.filter { given[$0] == nil } } ?? []
        let r = try ChildProcess.run(
            executable, arguments, environment: environment ?? [:], unset: unset, directory: root, timeout: 300, interleaved: true)
        return (r.status, r.output)
    }

    @Test func viewerRunsUnderXvfbAndWritesANonTrivialScreenshot() throws {
        let xvfb = "/usr/bin/xvfb-run"
        try #require(
            FileManager.default.isExecutableFile(atPath: xvfb),
            "xvfb-run is missing: install it (Debian: apt-get install xvfb xauth) to test the viewer")
        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-viewer-\(getpid()).png").path
        defer { try? FileManager.default.removeItem(atPath: shot) }
        let (status, output) = try Self.run(
            xvfb,
            [
                "-a", "-s", "-screen 0 1280x800x24", try Self.benchtop(), "view", "pick_cube",
                "--frames", "8", "--size", "960x600", "--screenshot", shot, "--depth",
                "--demo-overlay",
            ])
        #expect(status == 0, "viewer exited with \(status): \(output)")
        let png = try PNG.decode(Data(contentsOf: URL(fileURLWithPath: shot)))
        #expect(png.width == 960 && png.height == 600 && png.channels == 3)
        // Non-trivial: many colours, the table's wood in the main view, and three panels' worth of images on the right.
        var colours = Set<UInt32>()
        var woodLike = 0
        var ringLike = 0
        for i in 0..<(png.width * png.height) {
            let r = png.samples[3 * i]
            let g = png.samples[3 * i + 1]
            let b = png.samples[3 * i + 2]
            colours.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b))
            if r > g + 20 && g > b + 15 && r > 80 { woodLike += 1 }
            if b > 200 && g > 180 && r < 60 { ringLike += 1 }  // the demo overlay's cyan rings
        }
        #expect(colours.count > 1000, "only \(colours.count) colours")
        #expect(woodLike > png.width * png.height / 10, "the wooden table should fill a good part of the view")
        #expect(ringLike > 100, "the overlay rings should be drawn")
    }

    @Test func withoutADisplayTheViewerSaysSoAndSuggestsXvfb() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DISPLAY"] = nil
        let (status, output) = try Self.run(try Self.benchtop(), ["view", "pick_cube", "--frames", "1"], environment: environment)
        #expect(status != 0)
        #expect(output.contains("DISPLAY is not set"))
        #expect(output.contains("xvfb-run"))
    }
}

@Suite struct OrbitCameraTests {
    @Test func orbitKeepsTheTargetCentredAndZoomChangesDistance() throws {
        var orbit = BenchtopViewer.OrbitCamera(target: SIMD3(0.4, 0, 0.75), azimuth: 0.3, elevation: 0.5, distance: 1.5)
        orbit.orbit(dx: 40, dy: -25)
        let camera = orbit.pinhole(width: 640, height: 480)
        let hit = try #require(camera.project(orbit.target))
        #expect(abs(hit.pixel.x - 320) < 1e-6 && abs(hit.pixel.y - 240) < 1e-6)
        #expect(abs(hit.depth - 1.5) < 1e-9)
        orbit.zoom(3)
        #expect(abs(orbit.distance - 1.5 * 0.729) < 1e-9)
        let before = orbit.target
        orbit.pan(dx: 100, dy: 0, viewportHeight: 480)
        // Dragging right moves the target to the camera's left, in the image plane (no change of depth).
        let moved = orbit.target - before
        #expect(abs(dot(moved, orbit.pose.orientation.act(SIMD3(0, 0, 1)))) < 1e-9)
        #expect(dot(moved, orbit.pose.orientation.act(SIMD3(1, 0, 0))) < 0)
    }
}
