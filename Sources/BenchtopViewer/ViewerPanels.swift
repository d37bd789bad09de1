import BenchtopCore
import BenchtopRender
import Foundation

/// What the panels show and change between frames.
struct PanelState {
    var stepRequested = false
    var resetRequested = false
    var showContacts = true
    var showForces = true
    var showFrames = false
    /// Metres of arrow per newton of contact force.
    var forceScale = 0.02
    var hiddenCameras: Set<String> = []
    /// A scene camera the main view looks through (nil: the free orbit camera).
    var lookThrough: String?
    var selected: Int?
    /// Width of the sidebar as drawn last frame (0 when collapsed): the main view starts there.
    var sidebarInset = Viewer.sidebarWidth
    /// Simulated seconds per wall second, smoothed over about a second, and how long it has lagged the target.
    var measuredFactor = 1.0
    var lagSeconds = 0.0
    private var lastTime: Double?

    mutating func measure(simulationTime: Double, wallSeconds: Double, running: Bool) {
        defer { lastTime = simulationTime }
        guard running, let last = lastTime, simulationTime >= last, wallSeconds > 0 else { return }
        let k = min(wallSeconds, 1)  // an exponential average with a one-second time constant
        measuredFactor += k * ((simulationTime - last) / wallSeconds - measuredFactor)
    }
}

extension Viewer {
    static let sidebarWidth = 300.0

    // MARK: - The panels

    func drawPanels(_ ui: ImGuiContext, snapshot: WorldSnapshot, extra: ViewerOverlay, fps: Double, width: Int, height: Int) {
        let sidebar = ui.window("Benchtop", x: 0, y: 0, width: Self.sidebarWidth, height: Double(height)) {
            simulationPanel(ui, snapshot: snapshot, fps: fps)
            robotPanel(ui, snapshot: snapshot)
            displayPanel(ui)
            cameraPanel(ui)
            selectionPanel(ui, snapshot: snapshot)
        }
        // A sidebar dragged away from the left edge floats over the view; docked, it pushes the view aside.
        panelState.sidebarInset = sidebar.collapsed || sidebar.rect.x > 4 ? 0 : sidebar.rect.x + sidebar.rect.width

        let left = mainViewport.x
        var lines: [(String, Color?)] = [
            (String(format: "t %.3f s   step %d   %@   %.0f FPS   H: help", snapshot.time, snapshot.step, paused ? "paused" : "running", fps), nil)
        ]
        if !status.isEmpty { lines.append((status, Color(1, 0.85, 0.35))) }
        ui.overlay("##status", x: left + 8, y: 8, lines: lines)
        if let panel = extra.panel {
            // The reasoning panel: its own window along the bottom of the main view, scaled to fit (at most 1:1).
            let k = min(1, (mainViewport.width - 24) / Double(panel.width), Double(height) * 0.5 / Double(panel.height))
            let size = SIMD2(Double(panel.width) * k, Double(panel.height) * k)
            ui.window(
                "Reasoning", x: left + 8, y: Double(height) - size.y - 48, width: size.x + 16, height: size.y + 40
            ) {
                ui.image("reasoning", samples: panel.pixels, width: panel.width, height: panel.height, size: size)
            }
        }
        if !extra.text.isEmpty {
            ui.overlay("##text", x: left + 8, y: 40 + (status.isEmpty ? 0 : 22), lines: extra.text.map { ($0, nil) })
        }
        if showHelp {
            ui.window("Help (H)", x: left + 40, y: 60, width: 600, height: 440) {
                // Key and meaning in two columns: the help texts align them with runs of spaces.
                for line in currentHelp.split(separator: "\n", omittingEmptySubsequences: false) {
                    let parts = line.split(separator: "   ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    if parts.count == 2 && !line.hasPrefix(" ") {
                        ui.text(parts[0])
                        ui.sameLine(at: 190)
                        ui.text(parts[1])
                    } else {
                        ui.text(String(line))
                    }
                }
            }
        }
    }

    private func simulationPanel(_ ui: ImGuiContext, snapshot: WorldSnapshot, fps: Double) {
        guard ui.header("Simulation", open: true) else { return }
        ui.text(String(format: "time %.3f s   step %d", snapshot.time, snapshot.step))
        if ui.button(paused ? "Run" : "Pause") { paused.toggle() }
        ui.sameLine()
        if ui.button("Step") {
            paused = true
            panelState.stepRequested = true
        }
        ui.sameLine()
        if ui.button("Reset") { panelState.resetRequested = true }
        if let fixed = options.stepsPerFrame {
            ui.disabled("\(fixed) physics steps per frame (scripted run)")
        } else {
            var factor = options.realTimeFactor
            ui.nextItemWidth(ui.availableWidth - 110)
            if ui.slider("speed (x real time)", &factor, 0.05...4, format: "%.2fx", log: true) { options.realTimeFactor = factor }
            ui.text(String(format: "real-time factor %.2fx (target %.2fx)", panelState.measuredFactor, options.realTimeFactor))
            if !paused, panelState.measuredFactor < 0.9 * options.realTimeFactor {
                ui.colored(
                    String(format: "Slower than asked: frames take %.0f ms; the simulation advances at most 67 ms per frame", 1000 / max(fps, 1)),
                    Color(1, 0.4, 0.3))
            }
        }
        ui.text(String(format: "%.0f FPS   physics %.0f Hz", fps, 1 / simulation.timeStep))
    }

    private func robotPanel(_ ui: ImGuiContext, snapshot: WorldSnapshot) {
        guard let inspection, ui.header("Robot", open: true) else { return }
        let robots = inspection.robots(snapshot)
        if robots.isEmpty { ui.disabled("no robot in this scene") }
        for (r, robot) in robots.enumerated() {
            ui.withID(r) {
                ui.text("\(robot.name): \(robot.controlMode)")
                for (a, tcp) in robot.tcp.enumerated() {
                    let p = tcp.position
                    let rpy = tcp.orientation.rollPitchYaw * (180 / .pi)
                    ui.text(String(format: "TCP%@ x %.3f  y %.3f  z %.3f m", robot.tcp.count > 1 ? " \(a)" : "", p.x, p.y, p.z))
                    ui.text(String(format: "    roll %.0f  pitch %.0f  yaw %.0f deg", rpy.x, rpy.y, rpy.z))
                }
                for (j, joint) in robot.joints.enumerated() {
                    ui.withID(j) {
                        let unit = joint.isPrismatic ? "m" : "rad"
                        if robot.slidersDrive, joint.lower < joint.upper {
                            var value = joint.target ?? joint.position
                            ui.nextItemWidth(ui.availableWidth - 120)
                            if ui.slider(joint.name, &value, joint.lower...joint.upper, format: "%.3f " + unit) {
                                inspection.setJointTarget(robot: r, joint: j, value)
                            }
                        } else {
                            let target = joint.target.map { String(format: " -> %.3f", $0) } ?? ""
                            ui.text(String(format: "%@  %.3f %@%@", joint.name, joint.position, unit, target))
                        }
                    }
                }
                if !robot.slidersDrive { ui.disabled("joints follow the controller (read only)") }
            }
        }
    }

    private func displayPanel(_ ui: ImGuiContext) {
        guard ui.header("Display") else { return }
        ui.checkbox("contact points", &panelState.showContacts)
        ui.checkbox("contact forces", &panelState.showForces)
        if panelState.showForces {
            ui.nextItemWidth(ui.availableWidth - 110)
            ui.slider("arrow m/N", &panelState.forceScale, 0.0005...0.02, format: "%.4f", log: true)
        }
        ui.checkbox("frame of the selected body", &panelState.showFrames)
        ui.checkbox("depth panel", &showDepth)
        ui.checkbox("help (H)", &showHelp)
    }

    private func cameraPanel(_ ui: ImGuiContext) {
        guard ui.header("Cameras") else { return }
        if ui.radio("free camera", active: panelState.lookThrough == nil) { panelState.lookThrough = nil }
        ui.sameLine()
        if ui.button("home view") {
            panelState.lookThrough = nil
            orbit = OrbitCamera()
        }
        for (i, camera) in scene.cameras.enumerated() {
            ui.withID(i) {
                if ui.radio("look through \(camera.name)", active: panelState.lookThrough == camera.name) {
                    panelState.lookThrough = camera.name
                }
                if options.cameras.contains(camera.name) {
                    var shown = !panelState.hiddenCameras.contains(camera.name)
                    if ui.checkbox("side panel", &shown) {
                        if shown { panelState.hiddenCameras.remove(camera.name) } else { panelState.hiddenCameras.insert(camera.name) }
                    }
                }
            }
        }
    }

    private func selectionPanel(_ ui: ImGuiContext, snapshot: WorldSnapshot) {
        guard ui.header("Selection and perturbation", open: true) else { return }
        guard let id = panelState.selected, id < renderer.bodies.count, id < snapshot.bodies.count else {
            ui.disabled("double-click a body to select it")
            return
        }
        let body = renderer.bodies[id]
        let p = snapshot.bodies[id].pose.position
        ui.text("\(body.name) (\(body.kind.rawValue), \(String(format: "%.3f", body.mass)) kg)")
        ui.text(String(format: "at x %.3f  y %.3f  z %.3f m", p.x, p.y, p.z))
        if teleop != nil {
            ui.disabled("Ctrl + drag moves the teleop target here")
        } else if inspection?.acceptsPerturbation == true {
            ui.disabled("Ctrl + left drag pulls, Ctrl + right drag turns")
            if let grab, let force = lastPerturbation {
                ui.colored(
                    String(format: "%@: %.1f N  %.2f N m", grab.turning ? "turning" : "pulling", length(force.force), length(force.torque)),
                    Color(1, 0.85, 0.35))
            }
        } else {
            ui.disabled("this session does not take mouse forces")
        }
        if ui.button("clear selection") {
            panelState.selected = nil
            grab = nil
        }
    }

    // MARK: - Scene marks: contacts, forces, frames, the grab

    func sceneMarks(_ snapshot: WorldSnapshot) -> [WorldPolyline] {
        guard ui != nil else { return [] }
        var paths: [WorldPolyline] = []
        if panelState.showContacts || panelState.showForces, let inspection {
            for c in inspection.contacts() {
                if panelState.showContacts {
                    let r = 0.006
                    for axis in 0..<3 {
                        var a = c.position
                        var b = c.position
                        a[axis] -= r
                        b[axis] += r
                        paths.append(WorldPolyline(points: [a, b], color: Color(1, 0.25, 0.2), width: 2))
                    }
                }
                if panelState.showForces, c.force > 0 {
                    let end = c.position + c.normal * min(c.force * panelState.forceScale, 0.3)
                    paths.append(WorldPolyline(points: [c.position, end], color: Color(1, 0.9, 0.1), width: 2))
                }
            }
        }
        if let id = panelState.selected, id < snapshot.bodies.count {
            let pose = snapshot.bodies[id].pose
            let size = panelState.showFrames ? 0.12 : 0.05
            let colors = [Color(1, 0.2, 0.2), Color(0.2, 1, 0.2), Color(0.3, 0.5, 1)]
            for axis in 0..<3 {
                var e = SIMD3<Double>(0, 0, 0)
                e[axis] = size
                paths.append(WorldPolyline(points: [pose.position, pose.transform(e)], color: colors[axis], width: 3))
            }
        }
        if let grab, let p = lastPerturbation {
            paths.append(WorldPolyline(points: [p.point, grab.target], color: Color(1, 1, 1), width: 2))
        }
        return paths
    }

    // MARK: - Selection and perturbation

    /// A left press (or Ctrl + right press): a double-click selects the body under the cursor; Ctrl + press on
    /// the selected body grabs it.
    func pressed(at pixel: SIMD2<Double>, ctrl: Bool, turning: Bool, time: Double) {
        defer { if !turning { lastPress = (time, pixel) } }
        // Press times are when GLFW delivered them, once per frame: at a few frames per second the two presses of a
        // double-click arrive a frame apart, so the window grows with the frame time.
        let window = max(0.4, 1.5 * frameTime)
        let double = lastPress.map { time - $0.time < window && length2(pixel - $0.at) < 36 } ?? false
        guard double || (ctrl && panelState.selected != nil) else { return }
        guard let (body, point) = pick(pixel) else {
            if double { panelState.selected = nil }
            return
        }
        if double && !ctrl {
            panelState.selected = body
            status = "selected \(renderer.bodies[body].name)"
            return
        }
        guard ctrl, teleop == nil, inspection?.acceptsPerturbation == true, let selected = panelState.selected,
            let camera = mainCamera
        else { return }
        let snapshot = simulation.snapshot()
        guard selected < snapshot.bodies.count else { return }
        // Grab the selected body where the cursor hits it, or at its origin when the cursor is on another body.
        let at = body == selected ? point : snapshot.bodies[selected].pose.position
        grab = MouseGrab(body: selected, at: at, pose: snapshot.bodies[selected].pose, camera: camera.pose, cursor: pixel, turning: turning)
    }

    /// The body and world point under a main-view pixel, from a segmentation and depth render of that view.
    private func pick(_ pixel: SIMD2<Double>) -> (Int, SIMD3<Double>)? {
        guard let camera = mainCamera else { return nil }
        let local = pixel - SIMD2(mainViewport.x, mainViewport.y)
        let (u, v) = (Int(local.x), Int(local.y))
        guard u >= 0, v >= 0, u < camera.width, v < camera.height else { return nil }
        guard let images = try? renderer.render(simulation.snapshot(), camera: camera, outputs: [.segmentation, .depth]),
            let ids = images.segmentation, let depth = images.depth
        else { return nil }
        let id = Int(ids.ids[v * ids.width + u])
        guard id >= 0, id < renderer.bodies.count, renderer.bodies[id].kind == .object || renderer.bodies[id].kind == .robotLink else {
            return nil
        }
        let d = Double(depth.values[v * depth.width + u])
        return (id, camera.unproject(pixel: local + 0.5, depth: d))
    }

    /// Hands this frame's spring force to the simulation (or clears it).
    func applyPerturbation(_ snapshot: WorldSnapshot) {
        guard let inspection, inspection.acceptsPerturbation else { return }
        guard var g = grab, g.body < snapshot.bodies.count else {
            if lastPerturbation != nil { inspection.perturb(nil) }
            lastPerturbation = nil
            return
        }
        let (x, y, scale, _, _) = cursor()
        let p = g.perturbation(
            state: snapshot.bodies[g.body], mass: renderer.bodies[g.body].mass, ray: cursorRay(), cursor: SIMD2(x * scale, y * scale))
        grab = g
        lastPerturbation = p
        inspection.perturb(p)
    }

    private func length2(_ v: SIMD2<Double>) -> Double { (v * v).sum() }
}
