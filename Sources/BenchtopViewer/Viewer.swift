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
    /// Dear ImGui panels (simulation, robot, cameras, selection, reasoning); false keeps the plain overlay only.
    public var panels = true
    /// Simulated seconds per wall-clock second when following the wall clock.
    public var realTimeFactor = 1.0
    public init() {}
}

/// What a viewer session did.
public struct ViewerSummary: Sendable {
    public var frames: Int
    /// Wall-clock seconds of the whole run loop (frames / seconds is the frame rate).
    public var seconds: Double
    public var screenshots: [String]
    public var renderer: String
    /// The simulation's step count on the last frame, and whether it was paused then.
    public var finalStep = 0
    public var paused = false
    /// The body selected on the last frame (double-click) and where it was.
    public var selection: (name: String, position: SIMD3<Double>)?
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
    /// Called when a stroke starts on `traceCamera`'s panel (the session notes which episode it belongs to).
    public var onStrokeBegin: (() -> Void)?
    /// Called with the reason when a stroke is too short or too quick to count.
    public var onStrokeIgnored: ((String) -> Void)?
    /// A stroke shorter than this (image pixels along the path) or held for less than `minimumStrokeDuration`
    /// seconds is ignored, so that a click's jitter does not count as a drawing. Scripted strokes take 1/30 s a point.
    public var minimumStrokeLength = 0.0
    public var minimumStrokeDuration = 0.0
    /// What H shows (nil: the viewer's own keys, or the teleoperation keys).
    public var helpText: String?
    /// Robots, contacts, joint sliders and mouse perturbation for the panels, when the simulation offers them.
    public var inspection: (any ViewerInspection)?
    /// A stroke to perform on `traceCamera`'s panel as if drawn with the mouse, one point per frame (scripted
    /// runs and tests: press at the first point, drag through the rest, release after the last).
    public var scriptedStroke: [SIMD2<Double>] = []
    /// Whether the simulation is paused (Space toggles it).
    public var isPaused: Bool {
        get { paused }
        set { paused = newValue }
    }

    let window: OpaquePointer
    let renderer: SceneRenderer
    let overlayRenderer: OverlayRenderer
    let input = InputState()
    var paused: Bool
    var showHelp = false
    var showDepth: Bool
    private var screenshots: [String] = []
    var status = ""
    /// Where each camera panel was drawn last frame (window pixels) and its image size, for mouse strokes.
    var panelRects: [String: (rect: PixelRect, width: Int, height: Int)] = [:]
    var stroke: [SIMD2<Double>]?
    private var strokeStart = ContinuousClock.now
    private var leftWasDown = false
    /// The body being pulled or turned with Ctrl + drag.
    var grab: MouseGrab?
    var lastPerturbation: BodyPerturbation?
    /// Smoothed seconds per frame.
    var frameTime = 0.0
    /// When and where the left button last went down (double-click selects).
    var lastPress: (time: Double, at: SIMD2<Double>)?
    /// The panels, when `options.panels` is on and ImGui started.
    var ui: ImGuiContext?
    var panelState = PanelState()
    /// The main view's viewport (framebuffer pixels, top-left origin) and camera as drawn last frame.
    var mainViewport = PixelRect(x: 0, y: 0, width: 1, height: 1)
    var mainCamera: PinholeCamera?

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
        if options.panels {
            // After our callbacks: ImGui's GLFW backend chains to them.
            var sx: Float = 1
            var sy: Float = 1
            glfwGetWindowContentScale(window, &sx, &sy)
            ui = ImGuiContext(window: window, scale: Double(sx))
        }
    }

    deinit {
        ui = nil  // ImGui's backends go before the window they are bound to
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
        let started = last
        var fps = 0.0
        var finalStep = 0
        var selection: (name: String, position: SIMD3<Double>)?
        var carry = 0.0
        while glfwWindowShouldClose(window) == 0 {
            glfwPollEvents()
            ui?.newFrame()
            let uiMouse = ui?.wantsMouse ?? false
            var stepOnce = panelState.stepRequested
            var screenshot = false
            var command = TeleopInput()
            if panelState.resetRequested { do { try simulation.reset() } catch { throw .simulation("\(error)") } }
            panelState.stepRequested = false
            panelState.resetRequested = false
            let keyEvents = input.takeKeyEvents()
            if ui?.wantsKeyboard != true { teleop?.keyEvents(keyEvents) }
            let keys = input.takeKeys()
            for key in ui?.wantsKeyboard == true ? [] : keys {
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
                teleop.poll(window: window, azimuth: orbit.azimuth, into: &command)
                if uiMouse {
                    ignoreMouse()  // the pointer is on a panel
                } else if !teleop.drag(window: window, ray: cursorRay(), into: &command) {
                    handleMouse()
                } else {
                    _ = input.takeScroll()
                }
                teleop.input(command)  // also while paused: the session keeps a gripper toggle for the next tick
                if teleop.closeRequested { glfwSetWindowShouldClose(window, GLFW_TRUE) }
            } else if !scriptedStroke.isEmpty || stroke != nil && scriptedStrokeActive {
                playScriptedStroke()
            } else if uiMouse {
                ignoreMouse()
            } else {
                handleMouse()
            }

            let now = clock.now
            let elapsed = Self.seconds(now - last)
            last = now
            // The rate from the smoothed frame time (averaging rates would let a few fast frames hide slow ones).
            if elapsed > 0 {
                frameTime = frameTime == 0 ? elapsed : 0.9 * frameTime + 0.1 * elapsed
                fps = 1 / frameTime
            }
            var steps = 0
            if stepOnce {
                steps = 1
            } else if !paused {
                if let fixed = options.stepsPerFrame {
                    steps = fixed
                } else {
                    // At most 1/15 s of wall time per frame: a slow frame slows the simulation (the panel says so)
                    // instead of piling up steps that make the next frame slower still.
                    carry += min(elapsed, 1.0 / 15) * options.realTimeFactor / simulation.timeStep
                    steps = Int(carry)
                    carry -= Double(steps)
                }
            }
            applyPerturbation(simulation.snapshot())
            if steps > 0 {
                do { try simulation.step(steps) } catch {
                    paused = true
                    status = "simulation stopped: \(error)"
                }
            }

            // The simulation may render through a headless context of its own (recorded observations).
            glfwMakeContextCurrent(window)
            let snapshot = simulation.snapshot()
            panelState.measure(simulationTime: snapshot.time, wallSeconds: elapsed, running: !paused && steps > 0)
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
            // The screenshot is of the last frame: the scripted end, or the frame on which the window was closed.
            if last || glfwWindowShouldClose(window) != 0, let path = options.screenshotPath {
                try writeScreenshot(path, width: Int(width), height: Int(height))
            }
            finalStep = snapshot.step
            selection = panelState.selected.flatMap { id in
                id < snapshot.bodies.count ? (renderer.bodies[id].name, snapshot.bodies[id].pose.position) : nil
            }
            glfwSwapBuffers(window)
            if last { break }
        }
        return ViewerSummary(
            frames: frame, seconds: Self.seconds(clock.now - started), screenshots: screenshots, renderer: RendererInfo.current,
            finalStep: finalStep, paused: paused, selection: selection)
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

    /// The world ray under the cursor through the main view (as drawn last frame).
    func cursorRay() -> (origin: SIMD3<Double>, direction: SIMD3<Double>) {
        // Reads the cursor only: `handleMouse` owns `input.lastCursor` (writing it here cancelled every orbit and
        // pan during teleoperation, whose drag test asks for this ray first).
        let (x, y, scale, width, height) = cursor()
        let camera = mainCamera ?? orbit.pinhole(width: max(width, 1), height: max(height, 1))
        let p = camera.unproject(pixel: SIMD2(x * scale - mainViewport.x, y * scale - mainViewport.y), depth: 1)
        let o = camera.pose.position
        let d = p - o
        return (o, d / (d * d).sum().squareRoot())
    }

    private var scriptedStrokeActive = false
    /// Frames to wait before the scripted stroke starts.
    public var scriptedStrokeDelay = 0

    /// One point of the scripted stroke per frame, through the same path as a real mouse stroke.
    private func playScriptedStroke() {
        guard let name = traceCamera, let panel = panelRects[name] else { return }  // panels not drawn yet
        if scriptedStrokeDelay > 0 {
            scriptedStrokeDelay -= 1
            return
        }
        if let p = scriptedStroke.first {
            scriptedStroke.removeFirst()
            scriptedStrokeActive = true
            let cursor = SIMD2(
                panel.rect.x + p.x * panel.rect.width / Double(panel.width),
                panel.rect.y + p.y * panel.rect.height / Double(panel.height))
            _ = strokeEvent(cursor: cursor, down: true)
        } else {
            _ = strokeEvent(cursor: .zero, down: false)
            scriptedStrokeActive = false
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
            if stroke == nil {
                stroke = [p]
                strokeStart = ContinuousClock.now
                onStrokeBegin?()
            } else if let last = stroke!.last, ((p - last) * (p - last)).sum() >= 1 {
                stroke!.append(p)
            }
            return true
        }
        if let s = stroke {
            stroke = nil
            let length = zip(s, s.dropFirst()).reduce(0.0) { $0 + (($1.1 - $1.0) * ($1.1 - $1.0)).sum().squareRoot() }
            let duration = scriptedStrokeActive ? Double(s.count) / 30 : Self.seconds(ContinuousClock.now - strokeStart)
            if s.count >= 2 && length >= minimumStrokeLength && duration >= minimumStrokeDuration {
                onTrace?(s)
            } else {
                status = String(
                    format: "stroke ignored: %.0f px in %.2f s (a steer needs %.0f px and %.2f s)", length, duration,
                    minimumStrokeLength, minimumStrokeDuration)
                onStrokeIgnored?(status)
            }
            return true
        }
        return false
    }

    /// The cursor in window coordinates, the window-to-framebuffer scale (HiDPI) and the framebuffer's size.
    func cursor() -> (x: Double, y: Double, scale: Double, width: Int, height: Int) {
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
        let ctrl = glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS
        if traceCamera != nil, !shift, grab == nil, strokeEvent(cursor: SIMD2(x * scale, y * scale), down: left) {
            _ = input.takeScroll()
            return
        }
        // Presses come from GLFW's callback: at a few frames per second a whole click can fall between two frames.
        for press in input.takePresses() {
            let at = press.at * scale
            let withCtrl = press.mods & GLFW_MOD_CONTROL != 0
            if press.button == GLFW_MOUSE_BUTTON_LEFT {
                pressed(at: at, ctrl: withCtrl, turning: false, time: press.time)
            } else if press.button == GLFW_MOUSE_BUTTON_RIGHT && withCtrl {
                pressed(at: at, ctrl: withCtrl, turning: true, time: press.time)
            }
        }
        leftWasDown = left
        if grab != nil {
            if !(left || right) || !ctrl { grab = nil }
        } else if right || (left && shift) {
            orbit.pan(dx: dx, dy: dy, viewportHeight: Double(framebufferHeight))
        } else if left {
            orbit.orbit(dx: dx, dy: dy)
        }
        let scroll = input.takeScroll()
        if scroll != 0 { orbit.zoom(scroll) }
    }

    /// The pointer is on a panel: the scene ignores the mouse, but the cursor is tracked so that nothing jumps.
    private func ignoreMouse() {
        let (x, y, _, _, _) = cursor()
        input.lastCursor = SIMD2(x, y)
        _ = input.takeScroll()
        leftWasDown = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS
        _ = input.takePresses()
    }

    // MARK: - Drawing

    /// Toggles the help overlay (also bound to H).
    public func setHelpVisible(_ visible: Bool) { showHelp = visible }
}

/// Keyboard and scroll events collected by GLFW callbacks between frames.
final class InputState {
    private var keys: [Int32] = []
    /// Every key event with its GLFW action (press, repeat, release), for teleoperation.
    private var keyEvents: [(key: Int32, action: Int32)] = []
    private var scroll = 0.0
    /// Mouse button presses since the last frame: button, modifier keys, GLFW time (s), cursor (window pixels).
    var presses: [(button: Int32, mods: Int32, time: Double, at: SIMD2<Double>)] = []
    var lastCursor = SIMD2<Double>(0, 0)

    func install(on window: OpaquePointer) {
        glfwSetWindowUserPointer(window, Unmanaged.passUnretained(self).toOpaque())
        glfwSetKeyCallback(window) { window, key, _, action, _ in
            guard let p = glfwGetWindowUserPointer(window) else { return }
            let state = Unmanaged<InputState>.fromOpaque(p).takeUnretainedValue()
            state.keyEvents.append((key, action))
            if action == GLFW_PRESS || action == GLFW_REPEAT { state.keys.append(key) }
        }
        glfwSetMouseButtonCallback(window) { window, button, action, mods in
            guard action == GLFW_PRESS, let p = glfwGetWindowUserPointer(window) else { return }
            var x = 0.0
            var y = 0.0
            glfwGetCursorPos(window, &x, &y)
            let state = Unmanaged<InputState>.fromOpaque(p).takeUnretainedValue()
            state.presses.append((button, mods, glfwGetTime(), SIMD2(x, y)))
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
    func takePresses() -> [(button: Int32, mods: Int32, time: Double, at: SIMD2<Double>)] {
        defer { presses.removeAll() }
        return presses
    }
    func takeKeyEvents() -> [(key: Int32, action: Int32)] {
        defer { keyEvents.removeAll() }
        return keyEvents
    }
    func takeScroll() -> Double {
        defer { scroll = 0 }
        return scroll
    }
}
