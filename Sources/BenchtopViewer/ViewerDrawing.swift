import BenchtopCore
import BenchtopRender
import Foundation

extension Viewer {
    /// One frame: the main view, world paths, camera panels, then text (ImGui or the bitmap overlay) and panels.
    func draw(_ snapshot: WorldSnapshot, width: Int, height: Int, fps: Double) throws(ViewerError) {
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
            extra.text += teleop.status() + (teleop.deviceProblem.map { [$0] } ?? [])
        }
        extra.worldPaths += sceneMarks(snapshot)
        let panelNames = options.cameras.filter { !panelState.hiddenCameras.contains($0) }
        let depthName = extra.depthCamera ?? (showDepth ? options.cameras.first : nil)
        let panelWidth = panelNames.isEmpty && depthName == nil ? 0 : min(width / (ui == nil ? 3 : 4), ui == nil ? 384 : 320)
        // With panels, the main view starts right of the sidebar (unless it is collapsed).
        let left = ui == nil ? 0 : min(Int(panelState.sidebarInset.rounded()), width / 2)
        let mainWidth = max(width - panelWidth - left, 1)

        // Without panels, a panel picture takes the bottom of the main view, scaled to its width (at most 1:1) and
        // to 60% of its height; with them it has a window of its own.
        var panelRect: PixelRect?
        if ui == nil, let panel = extra.panel {
            let k = min(1, (Double(mainWidth) - 8) / Double(panel.width), Double(height) * 0.6 / Double(panel.height))
            panelRect = PixelRect(
                x: 4, y: Double(height) - 4 - Double(panel.height) * k, width: Double(panel.width) * k,
                height: Double(panel.height) * k)
        }
        let sceneHeight = max(Int(panelRect.map { $0.y - 4 } ?? Double(height)), 1)

        // The main view: the orbit camera (or a scene camera looked through) into the left part of the window.
        var main = orbit.pinhole(width: mainWidth, height: sceneHeight)
        if let name = panelState.lookThrough, let camera = scene.cameras.first(where: { $0.name == name }),
            let pinhole = try? camera.pinhole(bodies: renderer.bodies, snapshot: snapshot)
        {
            main = PinholeCamera(
                width: mainWidth, height: sceneHeight, verticalFieldOfView: pinhole.verticalFieldOfView, near: pinhole.near,
                far: pinhole.far, pose: pinhole.pose)
        }
        mainCamera = main
        mainViewport = PixelRect(x: Double(left), y: 0, width: Double(mainWidth), height: Double(sceneHeight))
        renderer.renderToWindow(snapshot, camera: main, viewport: (left, height - sceneHeight, mainWidth, sceneHeight))

        let o = overlayRenderer
        o.begin(width: width, height: height)
        if left > 0 { o.fill(PixelRect(x: 0, y: 0, width: Double(left), height: Double(height)), OverlayColor(0.07, 0.07, 0.09)) }
        if panelRect != nil {
            o.fill(
                PixelRect(x: 0, y: Double(sceneHeight), width: Double(mainWidth), height: Double(height - sceneHeight)),
                OverlayColor(0.07, 0.07, 0.09))
        }
        for path in extra.worldPaths { drawWorldPath(path, camera: main, clip: mainViewport) }

        // Side panels: each camera's live image with its traces, then the depth panel.
        if panelWidth > 0 {
            let x = Double(left + mainWidth)
            o.fill(PixelRect(x: x, y: 0, width: Double(panelWidth), height: Double(height)), OverlayColor(0.12, 0.12, 0.14))
            var y = 4.0
            var panels: [(String, Bool)] = panelNames.map { ($0, false) }
            if let depthName { panels.append((depthName, true)) }
            // Shrink the panels so that all of them fit in the window's height (28 px of label and gap each).
            let fit = (Double(height) - 4 - 28 * Double(panels.count)) / Double(max(panels.count, 1))
            for (name, isDepth) in panels where y < Double(height) {
                label(isDepth ? "\(name) depth" : name, at: SIMD2(x + 6, y))
                y += 20
                guard let camera = scene.cameras.first(where: { $0.name == name }) else {
                    label("no such camera", at: SIMD2(x + 6, y), color: Color(1, 0.4, 0.4))
                    y += 24
                    continue
                }
                let pinhole: PinholeCamera
                do { pinhole = try camera.pinhole(bodies: renderer.bodies, snapshot: snapshot) } catch {
                    label("link not in world", at: SIMD2(x + 6, y), color: Color(1, 0.4, 0.4))
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
                    // A readable range: from the camera's near plane (at least 0.1 m) to 3 m.
                    o.depthImage(view, in: rect, near: max(pinhole.near, 0.1), far: min(pinhole.far, 3))
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

        if let ui {
            drawPanels(ui, snapshot: snapshot, extra: extra, fps: fps, width: width, height: height)
            ui.render()
            return
        }
        // Without panels: the status line, overlay text and help in the bitmap font.
        let state = paused ? "PAUSED" : "RUNNING"
        let line = String(format: "T %.3f S  STEP %d  %@  %.0f FPS  H: HELP", snapshot.time, snapshot.step, state, fps)
        let size = OverlayRenderer.textSize(line)
        o.fill(PixelRect(x: 0, y: 0, width: size.x + 12, height: size.y + 8), OverlayColor(0, 0, 0, 0.55))
        o.text(line, at: SIMD2(6, 4))
        if !status.isEmpty { o.text(status.uppercased(), at: SIMD2(6, 26), scale: 2, color: OverlayColor(1, 0.9, 0.4)) }
        var bottom = Double(height)
        if let panel = extra.panel, let rect = panelRect {
            o.rgbImage(panel, in: rect)
            bottom = rect.y - 4
        }
        if !extra.text.isEmpty {
            let block = extra.text.joined(separator: "\n").uppercased()
            let s = OverlayRenderer.textSize(block)
            let origin = SIMD2(8.0, bottom - s.y - 8)
            o.fill(PixelRect(x: origin.x - 4, y: origin.y - 4, width: s.x + 8, height: s.y + 8), OverlayColor(0, 0, 0, 0.55))
            o.text(block, at: origin)
        }
        if showHelp {
            let text = currentHelp.uppercased()
            let size = OverlayRenderer.textSize(text)
            let origin = SIMD2((Double(mainWidth) - size.x) / 2, (Double(height) - size.y) / 2)
            o.fill(
                PixelRect(x: origin.x - 16, y: origin.y - 16, width: size.x + 32, height: size.y + 32), OverlayColor(0.05, 0.05, 0.08, 0.8))
            o.text(text, at: origin)
        }
    }

    /// A label in the UI font when the panels are on, else in the bitmap font.
    private func label(_ text: String, at p: SIMD2<Double>, color: Color = Color(0.85, 0.85, 0.85)) {
        if let ui {
            ui.drawText(text, at: p, color: color)
        } else {
            overlayRenderer.text(text, at: p, scale: 2, color: OverlayColor(color))
        }
    }

    func drawWorldPath(_ path: WorldPolyline, camera: PinholeCamera, clip: PixelRect) {
        // Points behind the camera split the path into visible runs; pixels are the main view's, moved by its origin.
        var run: [SIMD2<Double>] = []
        let origin = SIMD2(clip.x, clip.y)
        for p in path.points {
            if let hit = camera.project(p), hit.depth > camera.near {
                run.append(hit.pixel + origin)
            } else {
                overlayRenderer.polyline(run, color: OverlayColor(path.color), width: path.width, clip: clip)
                run = []
            }
        }
        overlayRenderer.polyline(run, color: OverlayColor(path.color), width: path.width, clip: clip)
    }

    /// What H shows.
    var currentHelp: String { helpText ?? (teleop == nil ? Self.helpText : TeleopBinding.helpText) }

    static let helpText = """
        Benchtop viewer
        Left drag              orbit
        Right drag             pan (or Shift + left drag)
        Wheel                  zoom
        Double-click           select a body
        Ctrl + left drag       pull the selected body (spring force)
        Ctrl + right drag      turn the selected body (spring torque)
        Space                  pause / resume
        N or Right             step once (paused)
        R                      reset
        S                      screenshot (PNG)
        D                      depth panel
        H                      this help
        Esc or Q               quit
        """
}
