import BenchtopImage
import Foundation
import Testing

/// The viewer driven by real X events: each test runs a shell script under `xvfb-run` that starts the real
/// binary, waits for its window (`xdotool search --sync`) and then presses keys and drags the mouse with
/// xdotool. Not skipped when Xvfb or xdotool is missing: they fail and say so. Sleeps leave the viewer a few
/// frames per step, because a loaded machine draws only a few frames per second under Xvfb (eval --view, which
/// runs a control tick per frame, about one).
@Suite(.serialized) struct ViewerInteractionTests {
    static func session(_ script: String) throws -> (Int32, String) {
        let xvfb = "/usr/bin/xvfb-run"
        try #require(FileManager.default.isExecutableFile(atPath: xvfb), "xvfb-run is missing (Debian: apt-get install xvfb xauth)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/xdotool"), "xdotool is missing (Debian: apt-get install xdotool)")
        let prelude = """
            set -u
            B='\(try ViewerTests.benchtop())'
            window() { timeout 120 xdotool search --sync --onlyvisible --name "$1" | head -1; }

            """
        return try ViewerTests.run(xvfb, ["-a", "-s", "-screen 0 1280x800x24", "bash", "-c", prelude + script])
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// #20 point 1: a left drag orbits the camera during `record --teleop keyboard` (cursorRay used to reset the
    /// cursor every frame, so only the wheel worked). The same session without the drag is the reference.
    @Test func leftDragOrbitsTheCameraDuringKeyboardTeleop() throws {
        let tmp = try Self.temporaryDirectory("orbit")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        func record(drag: Bool) throws -> RGBImageSamples {
            let shot = "\(tmp)/\(drag ? "drag" : "still").png"
            let script = """
                "$B" record pick_cube --teleop keyboard --episodes 1 --out '\(tmp)/rec-\(drag)' --frames 100000 --screenshot '\(shot)' &
                pid=$!
                w=$(window "Benchtop record")
                sleep 3
                if \(drag); then
                  xdotool mousemove --window "$w" 630 400 mousedown 1
                  for i in $(seq 1 20); do xdotool mousemove_relative -- 12 3; sleep 0.1; done
                  sleep 1.5
                  xdotool mouseup 1
                else
                  sleep 3.5
                fi
                sleep 1
                xdotool key --window "$w" Escape
                wait $pid
                """
            let (status, output) = try Self.session(script)
            #expect(status == 0, "record --teleop keyboard exited with \(status): \(output)")
            return try RGBImageSamples(path: shot)
        }
        let still = try record(drag: false)
        let dragged = try record(drag: true)
        // The main view lies between the sidebar (300 px) and the camera panels (from x 960).
        let changed = still.differingPixels(from: dragged, x: 300..<960, y: 60..<800)
        #expect(changed > 660 * 740 / 4, "the drag changed \(changed) pixels of the main view; an orbit changes most of them")
    }

    /// Clicking the Simulation panel's Pause button (an ImGui widget) pauses the world.
    @Test func clickingPauseInTheSimulationPanelPausesTheWorld() throws {
        let script = """
            "$B" view pick_cube --frames 100000 --steps-per-frame 4 &
            pid=$!
            w=$(window "Benchtop - ")
            sleep 3
            xdotool mousemove --window "$w" 31 83 click 1
            sleep 1.5
            xdotool key --window "$w" q
            wait $pid
            """
        let (status, output) = try Self.session(script)
        #expect(status == 0, "view exited with \(status): \(output)")
        #expect(output.contains(", paused"), "the world should end paused after clicking Pause: \(output)")
    }

    /// MuJoCo's perturbation: a double-click selects the cube, Ctrl + left drag upwards pulls it off the table.
    @Test func doubleClickSelectsAndCtrlDragLiftsTheCube() throws {
        func run(drag: Bool) throws -> Double {
            let script = """
                "$B" view pick_cube --frames 100000 --steps-per-frame 4 &
                pid=$!
                w=$(window "Benchtop - ")
                sleep 3
                xdotool mousemove --window "$w" 572 512 click --repeat 2 --delay 100 1
                sleep 1.5
                if \(drag); then
                  xdotool keydown ctrl mousedown 1
                  for i in $(seq 1 15); do xdotool mousemove_relative -- 0 -10; sleep 0.15; done
                  sleep 1.5
                fi
                xdotool key --window "$w" q
                xdotool mouseup 1 keyup ctrl
                wait $pid
                """
            let (status, output) = try Self.session(script)
            #expect(status == 0, "view exited with \(status): \(output)")
            let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("selected: cube") }, "no cube selected: \(output)")
            return try #require(Double(line.split(separator: " ")[line.split(separator: " ").count - 2]), "no z in '\(line)'")
        }
        let resting = try run(drag: false)
        let lifted = try run(drag: true)
        #expect(lifted > resting + 0.03, "Ctrl + drag should lift the cube: z \(lifted) m against \(resting) m at rest")
    }

    /// #20 point 5 through real mouse events on the primary panel: a click with a little jitter does not steer, a
    /// deliberate stroke does.
    @Test func evalViewSteersOnlyOnADeliberateStroke() throws {
        let tmp = try Self.temporaryDirectory("steer")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let script = """
            "$B" eval pick_cube --view --episodes 1 --frames 100000 --out '\(tmp)' --overwrite --no-video &
            pid=$!
            w=$(window "Benchtop eval")
            sleep 3
            xdotool mousemove --window "$w" 1060 150 mousedown 1
            sleep 1.5
            xdotool mousemove_relative -- 2 1
            sleep 1.5
            xdotool mouseup 1
            sleep 3
            xdotool mousemove --window "$w" 1000 120 mousedown 1
            for i in $(seq 1 12); do xdotool mousemove_relative -- 14 8; sleep 0.3; done
            sleep 1.5
            xdotool mouseup 1
            sleep 3
            xdotool key --window "$w" q
            wait $pid
            """
        let (status, output) = try Self.session(script)
        #expect(status == 0, "eval --view exited with \(status): \(output)")
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("steering:") }
        // The held click (2 px) is seen and ignored; only the stroke is handed over.
        #expect(lines.first?.contains("stroke ignored") == true, "the click should be ignored: \(lines)")
        #expect(lines.filter { $0.contains("handed to the policy") }.count == 1, "the stroke, and only it, should steer: \(lines)")
    }
}

/// A screenshot's RGB samples, for comparing two of them.
struct RGBImageSamples {
    let width: Int
    let height: Int
    let samples: [UInt16]

    init(path: String) throws {
        let png = try PNG.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(png.channels == 3)
        width = png.width
        height = png.height
        samples = png.samples
    }

    /// Pixels whose colour differs by more than 30 (sum over channels) inside the rectangle.
    func differingPixels(from other: RGBImageSamples, x: Range<Int>, y: Range<Int>) -> Int {
        var n = 0
        for row in y where row < height {
            for column in x where column < width {
                let i = 3 * (row * width + column)
                let d = (0..<3).reduce(0) { $0 + abs(Int(samples[i + $1]) - Int(other.samples[i + $1])) }
                if d > 30 { n += 1 }
            }
        }
        return n
    }
}
