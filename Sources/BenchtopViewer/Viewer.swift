import BenchtopCore
import BenchtopImage
import BenchtopRender
import BenchtopScene
internal import CGLFW
import Foundation

/// Why the viewer could not open or keep running.
public enum ViewerError: Error, CustomStringConvertible, Sendable {
    /// There is no display to open a window on.
    case noDisplay(String)
    /// GLFW or the window's OpenGL context failed.
    case window(String)
    case render(RenderError)
    /// The simulation failed while stepping or resetting.
    case simulation(String)

    public var description: String {
        switch self {
        case .noDisplay(let detail): detail
        case .window(let detail): "could not open the viewer window: \(detail)"
        case .render(let e): "viewer rendering failed: \(e)"
        case .simulation(let detail): "simulation failed: \(detail)"
        }
    }
}

/// Settings of one viewer session.
public struct ViewerOptions: Sendable {
    public var width = 1280
    public var height = 800
    public var title = "Benchtop"
    /// Exit after this many frames (for scripted runs and tests); nil runs until the window closes.
    public var frames: Int?
    /// Write a screenshot here when the run ends (with `frames`) or when the window closes.
    public var screenshotPath: String?
    /// Where the screenshot key writes numbered PNGs.
    public var screenshotDirectory = "."
    /// Scene cameras shown as side panels, in order.
    public var cameras: [String] = []
    /// Physics steps per frame; nil follows the wall clock (real time).
    public var stepsPerFrame: Int?
    /// Show the depth panel from the start.
    public var showDepth = false
    /// Start paused.
    public var paused = false
    /// Wait for the display's vertical sync between frames.
    public var vsync = true
    public init() {}
}

/// What a viewer session did.
public struct ViewerSummary: Sendable {
    public var frames: Int
    public var screenshots: [String]
    public var renderer: String
}

/// The interactive viewer: a GLFW window with an orbit/pan/zoom camera, live camera panels, a depth panel,
/// pause/step/reset, screenshots, an on-screen help overlay and an overlay layer for traces, paths and text.
///
/// Mouse: left drag orbits, right (or middle, or shift + left) drag pans, the wheel zooms.
/// Keys: Space pause, N or Right step once, R reset, S screenshot, D depth panel, H help, Esc or Q quit.
public final class Viewer {
    public let scene: Scene
    public let simulation: ViewerSimulation
    public var options: ViewerOptions
    /// Called every frame for the overlay to draw; later stages (traces, paths, policies) plug in here.
    public var overlay: ((WorldSnapshot) -> ViewerOverlay)?
    public var orbit = OrbitCamera()
    /// Teleoperation: when set, the device is read every frame and the robosuite key mapping replaces the
    /// viewer's own meaning of those keys (pause moves to P, screenshot to F12, depth panel to F2).
    public var teleop: TeleopBinding?
    /// Extra keys: called first with each pressed key's GLFW code (printable keys are their upper-case ASCII
    /// code, e.g. 91 for '['); returning true consumes the key.
    public var keyHandler: ((Int32) -> Bool)?
    /// A camera panel on which a left drag draws a trace instead of orbiting; `onTrace` gets the stroke on release,
    /// in that camera's image pixels.
    public var traceCamera: String?
    public var onTrace: (([SIMD2<Double>]) -> Void)?
    /// A stroke to perform on `traceCamera`'s panel as if drawn with the mouse, one point per frame (scripted
    /// runs and tests: press at the first point, drag through the rest, release after the last).
    public var scriptedStroke: [SIMD2<Double>] = []
    /// Whether the simulation is paused (Space toggles it).
    public var isPaused: Bool {
        get { paused }
        set { paused = newValue }
    }

    private let window: OpaquePointer
    private let renderer: SceneRenderer
    private let overlayRenderer: OverlayRenderer
    private let input = InputState()
    private var paused: Bool
    private var showHelp = false
    private var showDepth: Bool
    private var screenshots: [String] = []
    private var status = ""
    /// Where each camera panel was drawn last frame (window pixels) and its image size, for mouse strokes.
    private var panelRects: [String: (rect: PixelRect, width: Int, height: Int)] = [:]
    private var stroke: [SIMD2<Double>]?
    private var leftWasDown = false

    /// Opens the window (it fails with `.noDisplay` when there is no X display, instead of crashing).
    public init(scene: Scene, simulation: ViewerSimulation, options: ViewerOptions = ViewerOptions()) throws(ViewerError) {
        self.scene = scene
        self.simulation = simulation
        self.options = options
        paused = options.paused
        showDepth = options.showDepth
        let env = ProcessInfo.processInfo.environment
        // GLFW 3.3 has no headless platform; without a display glfwInit fails, so say what to do instead.
        guard let display = env["DISPLAY"], !display.isEmpty else {
            throw .noDisplay(
                """
                the viewer needs a display, but DISPLAY is not set (no X server).
                  On a machine without a screen run it under a virtual X server:  xvfb-run -a benchtop view ...
                  (Debian: apt-get install xvfb xauth). For images without a window use:  benchtop render SCENE --out DIR
                """)
        }
        guard glfwInit() == GLFW_TRUE else {
            throw .noDisplay(
                "GLFW could not connect to display '\(display)': \(Self.glfwError()). "
                    + "Check that the X server is running, or use xvfb-run -a benchtop view ...")
        }
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3)
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3)
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE)
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE)
        glfwWindowHint(GLFW_DEPTH_BITS, 24)
        guard let window = glfwCreateWindow(Int32(options.width), Int32(options.height), options.title, nil, nil) else {
            let e = Self.glfwError()
            glfwTerminate()
            throw .window("OpenGL 3.3 core window: \(e)")
        }
        self.window = window
        glfwMakeContextCurrent(window)
        glfwSwapInterval(options.vsync ? 1 : 0)
        do {
            renderer = try SceneRenderer(scene: scene, bodies: simulation.bodies)
            var colormap: [UInt8] = []
            for i in 0..<256 {  // the same Turbo mapping as `benchtop render`'s depth PNGs: near warm, far cold
                let c = DepthColormap.turbo(0.1 + 0.85 * (1 - Double(i) / 255))
                colormap += [c.0, c.1, c.2]
            }
            overlayRenderer = try OverlayRenderer(colormap: colormap)
        } catch {
            glfwDestroyWindow(window)
            glfwTerminate()
            throw .render(error)
        }
        input.install(on: window)
    }

    deinit {
        glfwDestroyWindow(window)
        glfwTerminate()
    }

    private static func glfwError() -> String {
        var description: UnsafePointer<CChar>? = nil
        let code = glfwGetError(&description)
        guard code != GLFW_NO_ERROR, let description else { return "unknown GLFW error" }
        return String(cString: description)
    }

    // MARK: - Loop

    /// Runs until the window closes, Esc/Q is pressed, or `options.frames` frames have been drawn.
    public func run() throws(ViewerError) -> ViewerSummary {
        var frame = 0
        let clock = ContinuousClock()
        var last = clock.now
        var fps = 0.0
        var carry = 0.0
        while glfwWindowShouldClose(window) == 0 {
            glfwPollEvents()
            var stepOnce = false
            var screenshot = false
            var command = TeleopInput()
            for key in input.takeKeys() {
                if let keyHandler, keyHandler(key) { continue }
                if let teleop {
                    if teleop.consume(key: key, into: &command) { continue }
                    switch key {
                    case GLFW_KEY_P:
                        paused.toggle()
                        continue
                    case GLFW_KEY_F2:
                        showDepth.toggle()
                        continue
                    default: break
                    }
                }
                switch key {
                case GLFW_KEY_SPACE: paused.toggle()
                case GLFW_KEY_N, GLFW_KEY_RIGHT: if paused { stepOnce = true }
                case GLFW_KEY_R: do { try simulation.reset() } catch { throw .simulation("\(error)") }
                case GLFW_KEY_S, GLFW_KEY_F12: screenshot = true
                case GLFW_KEY_H, GLFW_KEY_F1: showHelp.toggle()
                case GLFW_KEY_D: showDepth.toggle()
                case GLFW_KEY_ESCAPE, GLFW_KEY_Q: glfwSetWindowShouldClose(window, GLFW_TRUE)
                default: break
                }
            }
            if let teleop {
                teleop.poll(window: window, into: &command)
                if !teleop.drag(window: window, ray: cursorRay(), into: &command) { handleMouse() } else { _ = input.takeScroll() }
                if !paused || !command.events.isEmpty { teleop.input(command) }
                if teleop.closeRequested { glfwSetWindowShouldClose(window, GLFW_TRUE) }
            } else if !scriptedStroke.isEmpty || stroke != nil && scriptedStrokeActive {
                playScriptedStroke()
            } else {
                handleMouse()
            }

            let now = clock.now
            let elapsed = Self.seconds(now - last)
            last = now
            if elapsed > 0 { fps = fps == 0 ? 1 / elapsed : 0.9 * fps + 0.1 / elapsed }
            var steps = 0
            if stepOnce {
                steps = 1
            } else if !paused {
                if let fixed = options.stepsPerFrame {
                    steps = fixed
                } else {
                    carry += min(elapsed, 1.0 / 15) / simulation.timeStep
                    steps = Int(carry)
                    carry -= Double(steps)
                }
            }
            if steps > 0 {
                do { try simulation.step(steps) } catch {
                    paused = true
                    status = "simulation stopped: \(error)"
                }
            }

            // The simulation may render through a headless context of its own (recorded observations).
            glfwMakeContextCurrent(window)
            let snapshot = simulation.snapshot()
            var width: Int32 = 0
            var height: Int32 = 0
            glfwGetFramebufferSize(window, &width, &height)
            try draw(snapshot, width: Int(width), height: Int(height), fps: fps)
            frame += 1
            let last = options.frames.map { frame >= $0 } ?? false
            if screenshot {
                let path = (options.screenshotDirectory as NSString)
                    .appendingPathComponent(String(format: "benchtop-%06d.png", snapshot.step))
                try writeScreenshot(path, width: Int(width), height: Int(height))
            }
            if last, let path = options.screenshotPath { try writeScreenshot(path, width: Int(width), height: Int(height)) }
            glfwSwapBuffers(window)
            if last { break }
        }
        return ViewerSummary(frames: frame, screenshots: screenshots, renderer: RendererInfo.current)
    }

    private func writeScreenshot(_ path: String, width: Int, height: Int) throws(ViewerError) {
        let image = OverlayRenderer.captureWindow(width: width, height: height)
        do { try PNG.write(image, to: path) } catch { throw .simulation("writing screenshot \(path): \(error)") }
        screenshots.append(path)
        status = "screenshot: \(path)"
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The world ray under the cursor through the main view.
    private func cursorRay() -> (origin: SIMD3<Double>, direction: SIMD3<Double>) {
        // Reads the cursor only: `handleMouse` owns `input.lastCursor` (writing it here cancelled every orbit and
        // pan during teleoperation, whose drag test asks for this ray first).
        let (x, y, scale, width, height) = cursor()
        let panelWidth = options.cameras.isEmpty && !showDepth ? 0 : min(width / 3, 384)
        let camera = orbit.pinhole(width: max(width - panelWidth, 1), height: max(height, 1))
        let p = camera.unproject(pixel: SIMD2(x * scale, y * scale), depth: 1)
        let o = camera.pose.position
        let d = p - o
        return (o, d / (d * d).sum().squareRoot())
    }

    private var scriptedStrokeActive = false

    /// One point of the scripted stroke per frame, through the same path as a real mouse stroke.
    private func playScriptedStroke() {
        guard let name = traceCamera, let panel = panelRects[name] else { return }  // panels not drawn yet
        if let p = scriptedStroke.first {
            scriptedStroke.removeFirst()
            scriptedStrokeActive = true
            let cursor = SIMD2(
                panel.rect.x + p.x * panel.rect.width / Double(panel.width),
                panel.rect.y + p.y * panel.rect.height / Double(panel.height))
            _ = strokeEvent(cursor: cursor, down: true)
        } else {
            scriptedStrokeActive = false
            _ = strokeEvent(cursor: .zero, down: false)
        }
    }

    /// Feeds the trace stroke; true while the left button belongs to it (a press inside the trace camera's panel).
    private func strokeEvent(cursor: SIMD2<Double>, down: Bool) -> Bool {
        defer { leftWasDown = down }
        guard let name = traceCamera, let panel = panelRects[name] else { return false }
        let r = panel.rect
        let inside = cursor.x >= r.x && cursor.x < r.x + r.width && cursor.y >= r.y && cursor.y < r.y + r.height
        if down {
            if stroke == nil && !(inside && !leftWasDown) { return false }
            let p = SIMD2(
                min(max((cursor.x - r.x) / r.width, 0), 1) * Double(panel.width),
                min(max((cursor.y - r.y) / r.height, 0), 1) * Double(panel.height))
            if stroke == nil { stroke = [p] } else if let last = stroke!.last, ((p - last) * (p - last)).sum() >= 1 { stroke!.append(p) }
            return true
        }
        if let s = stroke {
            stroke = nil
            if s.count >= 2 { onTrace?(s) }
            return true
        }
        return false
    }

    /// The cursor in window coordinates, the window-to-framebuffer scale (HiDPI) and the framebuffer's size.
    private func cursor() -> (x: Double, y: Double, scale: Double, width: Int, height: Int) {
        var x = 0.0
        var y = 0.0
        glfwGetCursorPos(window, &x, &y)
        var ww: Int32 = 0
        var wh: Int32 = 0
        var fw: Int32 = 0
        var fh: Int32 = 0
        glfwGetWindowSize(window, &ww, &wh)
        glfwGetFramebufferSize(window, &fw, &fh)
        return (x, y, ww > 0 ? Double(fw) / Double(ww) : 1, Int(fw), Int(fh))
    }

    private func handleMouse() {
        // Cursor positions are in window coordinates; scale to framebuffer pixels (HiDPI).
        let (x, y, scale, _, framebufferHeight) = cursor()
        let dx = (x - input.lastCursor.x) * scale
        let dy = (y - input.lastCursor.y) * scale
        input.lastCursor = SIMD2(x, y)
        let left = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS
        let right =
            glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_RIGHT) == GLFW_PRESS
            || glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_MIDDLE) == GLFW_PRESS
        let shift = glfwGetKey(window, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_SHIFT) == GLFW_PRESS
        if traceCamera != nil, !shift, strokeEvent(cursor: SIMD2(x * scale, y * scale), down: left) {
            _ = input.takeScroll()
            return
        }
        if right || (left && shift) {
            orbit.pan(dx: dx, dy: dy, viewportHeight: Double(framebufferHeight))
        } else if left {
            orbit.orbit(dx: dx, dy: dy)
        }
        let scroll = input.takeScroll()
        if scroll != 0 { orbit.zoom(scroll) }
    }

    // MARK: - Drawing

    private func draw(_ snapshot: WorldSnapshot, width: Int, height: Int, fps: Double) throws(ViewerError) {
        var extra = overlay?(snapshot) ?? ViewerOverlay()
        if let teleop {
            if let m = teleop.marker() {
                let r = 0.03
                for axis in 0..<3 {
                    var a = m
                    var b = m
                    a[axis] -= r
                    b[axis] += r
                    extra.worldPaths.append(WorldPolyline(points: [a, b], color: Color(1, 0.2, 0.8), width: 3))
                }
            }
            extra.text += teleop.status()
        }
        let panelNames = options.cameras
        let depthName = extra.depthCamera ?? (showDepth ? panelNames.first : nil)
        let panelWidth = panelNames.isEmpty && depthName == nil ? 0 : min(width / 3, 384)
        let mainWidth = max(width - panelWidth, 1)

        // A panel picture takes the bottom of the left part, scaled to its width (at most 1:1) and to 60% of its height.
        var panelRect: PixelRect?
        if let panel = extra.panel {
            let k = min(1, (Double(mainWidth) - 8) / Double(panel.width), Double(height) * 0.6 / Double(panel.height))
            panelRect = PixelRect(
                x: 4, y: Double(height) - 4 - Double(panel.height) * k, width: Double(panel.width) * k,
                height: Double(panel.height) * k)
        }
        let sceneHeight = max(Int(panelRect.map { $0.y - 4 } ?? Double(height)), 1)

        // The main view: the orbit camera into the left part of the window (above the panel picture).
        let main = orbit.pinhole(width: mainWidth, height: sceneHeight)
        renderer.renderToWindow(snapshot, camera: main, viewport: (0, height - sceneHeight, mainWidth, sceneHeight))

        let o = overlayRenderer
        o.begin(width: width, height: height)
        if panelRect != nil {
            o.fill(
                PixelRect(x: 0, y: Double(sceneHeight), width: Double(mainWidth), height: Double(height - sceneHeight)),
                OverlayColor(0.07, 0.07, 0.09))
        }
        let mainRect = PixelRect(x: 0, y: 0, width: Double(mainWidth), height: Double(sceneHeight))
        for path in extra.worldPaths { drawWorldPath(path, camera: main, clip: mainRect) }

        // Side panels: each camera's live image with its traces, then the depth panel.
        if panelWidth > 0 {
            let x = Double(mainWidth)
            o.fill(PixelRect(x: x, y: 0, width: Double(panelWidth), height: Double(height)), OverlayColor(0.12, 0.12, 0.14))
            var y = 4.0
            var panels: [(String, Bool)] = panelNames.map { ($0, false) }
            if let depthName { panels.append((depthName, true)) }
            // Shrink the panels so that all of them fit in the window's height (28 px of label and gap each).
            let fit = (Double(height) - 4 - 28 * Double(panels.count)) / Double(max(panels.count, 1))
            for (name, isDepth) in panels where y < Double(height) {
                o.text(isDepth ? "\(name) depth" : name, at: SIMD2(x + 6, y), scale: 2, color: OverlayColor(0.85, 0.85, 0.85))
                y += 20
                guard let camera = scene.cameras.first(where: { $0.name == name }) else {
                    o.text("no such camera", at: SIMD2(x + 6, y), scale: 2, color: OverlayColor(1, 0.4, 0.4))
                    y += 24
                    continue
                }
                let pinhole: PinholeCamera
                do { pinhole = try camera.pinhole(bodies: renderer.bodies, snapshot: snapshot) } catch {
                    o.text("link not in world", at: SIMD2(x + 6, y), scale: 2, color: OverlayColor(1, 0.4, 0.4))
                    y += 24
                    continue
                }
                let aspect = Double(pinhole.height) / Double(pinhole.width)
                let inner = min(Double(panelWidth) - 8, fit / aspect)
                let rect = PixelRect(x: x + 4 + (Double(panelWidth) - 8 - inner) / 2, y: y, width: inner, height: inner * aspect)
                let view: RenderedView
                do { view = try renderer.renderView(snapshot, camera: pinhole) } catch { throw .render(error) }
                o.begin(width: width, height: height)
                if isDepth {
                    var near = pinhole.near
                    var far = pinhole.far
                    // A readable range: from the camera's near plane to twice the distance of the scene's table top.
                    near = max(near, 0.1)
                    far = min(far, 3)
                    o.depthImage(view, in: rect, near: near, far: far)
                } else {
                    o.image(view, in: rect)
                    panelRects[name] = (rect, pinhole.width, pinhole.height)
                    for trace in extra.cameraTraces[name] ?? [] {
                        let points = trace.points.map {
                            SIMD2(rect.x + $0.x * rect.width / Double(pinhole.width), rect.y + $0.y * rect.height / Double(pinhole.height))
                        }
                        o.polyline(points, color: OverlayColor(trace.color), width: trace.width, clip: rect)
                    }
                    if name == traceCamera, let s = stroke {
                        let points = s.map {
                            SIMD2(rect.x + $0.x * rect.width / Double(pinhole.width), rect.y + $0.y * rect.height / Double(pinhole.height))
                        }
                        o.polyline(points, color: OverlayColor(1, 1, 1, 0.9), width: 2, clip: rect)
                    }
                }
                y += rect.height + 8
            }
        }

        // Status line, overlay text and help.
        let state = paused ? "PAUSED" : "RUNNING"
        let line = String(format: "T %.3f S  STEP %d  %@  %.0f FPS  H: HELP", snapshot.time, snapshot.step, state, fps)
        let size = OverlayRenderer.textSize(line)
        o.fill(PixelRect(x: 0, y: 0, width: size.x + 12, height: size.y + 8), OverlayColor(0, 0, 0, 0.55))
        o.text(line, at: SIMD2(6, 4))
        if !status.isEmpty { o.text(status, at: SIMD2(6, 26), scale: 2, color: OverlayColor(1, 0.9, 0.4)) }
        var bottom = Double(height)
        if let panel = extra.panel, let rect = panelRect {
            o.rgbImage(panel, in: rect)
            bottom = rect.y - 4
        }
        if !extra.text.isEmpty {
            let block = extra.text.joined(separator: "\n")
            let s = OverlayRenderer.textSize(block)
            let origin = SIMD2(8.0, bottom - s.y - 8)
            o.fill(PixelRect(x: origin.x - 4, y: origin.y - 4, width: s.x + 8, height: s.y + 8), OverlayColor(0, 0, 0, 0.55))
            o.text(block, at: origin)
        }
        if showHelp { drawHelp(width: mainWidth, height: height) }
    }

    private func drawWorldPath(_ path: WorldPolyline, camera: PinholeCamera, clip: PixelRect) {
        // Points behind the camera split the path into visible runs.
        var run: [SIMD2<Double>] = []
        for p in path.points {
            if let hit = camera.project(p), hit.depth > camera.near {
                run.append(hit.pixel)
            } else {
                overlayRenderer.polyline(run, color: OverlayColor(path.color), width: path.width, clip: clip)
                run = []
            }
        }
        overlayRenderer.polyline(run, color: OverlayColor(path.color), width: path.width, clip: clip)
    }

    static let helpText = """
        BENCHTOP VIEWER
        LEFT DRAG      ORBIT
        RIGHT DRAG     PAN  (OR SHIFT + LEFT)
        WHEEL          ZOOM
        SPACE          PAUSE / RESUME
        N OR RIGHT     STEP ONCE (PAUSED)
        R              RESET
        S              SCREENSHOT (PNG)
        D              DEPTH PANEL
        H              THIS HELP
        ESC OR Q       QUIT
        """

    private func drawHelp(width: Int, height: Int) {
        let text = teleop == nil ? Self.helpText : TeleopBinding.helpText
        let size = OverlayRenderer.textSize(text)
        let origin = SIMD2((Double(width) - size.x) / 2, (Double(height) - size.y) / 2)
        overlayRenderer.fill(
            PixelRect(x: origin.x - 16, y: origin.y - 16, width: size.x + 32, height: size.y + 32),
            OverlayColor(0.05, 0.05, 0.08, 0.8))
        overlayRenderer.text(text, at: origin)
    }

    /// Toggles the help overlay (also bound to H).
    public func setHelpVisible(_ visible: Bool) { showHelp = visible }
}

/// Keyboard and scroll events collected by GLFW callbacks between frames.
final class InputState {
    private var keys: [Int32] = []
    private var scroll = 0.0
    var lastCursor = SIMD2<Double>(0, 0)

    func install(on window: OpaquePointer) {
        glfwSetWindowUserPointer(window, Unmanaged.passUnretained(self).toOpaque())
        glfwSetKeyCallback(window) { window, key, _, action, _ in
            guard action == GLFW_PRESS || action == GLFW_REPEAT, let p = glfwGetWindowUserPointer(window) else { return }
            Unmanaged<InputState>.fromOpaque(p).takeUnretainedValue().keys.append(key)
        }
        glfwSetScrollCallback(window) { window, _, dy in
            guard let p = glfwGetWindowUserPointer(window) else { return }
            Unmanaged<InputState>.fromOpaque(p).takeUnretainedValue().scroll += dy
        }
        var x = 0.0
        var y = 0.0
        glfwGetCursorPos(window, &x, &y)
        lastCursor = SIMD2(x, y)
    }

    func takeKeys() -> [Int32] {
        defer { keys.removeAll() }
        return keys
    }
    func takeScroll() -> Double {
        defer { scroll = 0 }
        return scroll
    }
}
