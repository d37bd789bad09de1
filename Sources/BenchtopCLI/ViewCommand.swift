import ArgumentParser
import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import BenchtopSessions
import BenchtopViewer
import EmbodimentKit
import Foundation

extension World: ViewerSimulation {}

/// `benchtop view SCENE [--robot NAME]`: the interactive viewer.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Open the interactive viewer (needs a display; use xvfb-run -a on a headless machine).",
        discussion: "Mouse: left drag orbits, right drag pans, wheel zooms, double-click selects a body, Ctrl + left/right "
            + "drag pulls/turns it. Keys: Space pause, N step, R reset, S screenshot, D depth panel, H help, Esc quit. "
            + "Panels (ImGui): simulation, robot joints and TCP, display (contacts, forces), cameras, selection.")

    @Argument(help: "Scene file, or a name under scenes/.")
    var scene: String

    @Option(help: "Embodiment to place (overrides the scene's robots block); its cameras are shown beside the scene's.")
    var robot: String?

    @Flag(help: "Show the scene without its robots.")
    var noRobots = false

    @OptionGroup var plugins: EmbodimentPathOptions

    @Option(help: "Seed for the scene's randomised layout.")
    var seed: UInt64 = 0

    @Option(help: "Exit after this many frames (scripted runs).")
    var frames: Int?

    @Option(help: "Write a PNG screenshot here when the run ends.")
    var screenshot: String?

    @Option(help: "Physics steps per frame (default: real time).")
    var stepsPerFrame: Int?

    @Option(help: "Window size WIDTHxHEIGHT.")
    var size: String = "1280x800"

    @Flag(help: "Show the depth panel from the start.")
    var depth = false

    @Flag(help: "Show the help overlay from the start.")
    var help = false

    @Flag(help: "Start paused.")
    var paused = false

    @Flag(help: "Draw a demonstration overlay: a ring around each object in the scene and in every camera panel.")
    var demoOverlay = false

    @Flag(help: "Leave out the ImGui panels (simulation, robot, cameras, selection): the plain overlay only.")
    var noPanels = false

    func validate() throws {
        if let frames, frames <= 0 { throw ValidationError("--frames must be > 0") }
        try FlagRules.check("--frames", frames, in: 1...100_000_000)
        try FlagRules.check("--steps-per-frame", stepsPerFrame, in: 0...100_000)
        try FlagRules.onlyWhen(!noRobots, [("--robot", robot != nil)], "without --no-robots")
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 >= 64 && $0 <= 8192 }) else {
            throw ValidationError("--size must look like 1280x800 (64 ... 8192 pixels each way), got '\(size)'")
        }
    }

    func run() throws {
        let (s, world, controllers) = try sceneWithControllers(scene, robot: robot, noRobots: noRobots, seed: seed, plugins: plugins)
        let simulation = WorldViewerSimulation(world: world, controllers: controllers)
        var options = ViewerOptions()
        let parts = size.split(separator: "x").compactMap { Int($0) }
        options.width = parts[0]
        options.height = parts[1]
        options.title = "Benchtop - \(s.name)"
        options.frames = frames
        options.screenshotPath = screenshot
        options.stepsPerFrame = stepsPerFrame ?? (frames != nil ? 4 : nil)  // scripted runs are deterministic
        options.showDepth = depth
        options.paused = paused
        options.vsync = frames == nil
        options.panels = !noPanels
        options.cameras = s.cameras.map(\.name)  // fixed cameras, then the robots' mounted cameras
        let viewer = try ViewerFailure.openViewer(scene: s, simulation: simulation, options: options)
        viewer.inspection = simulation
        viewer.setHelpVisible(help)
        if demoOverlay { viewer.overlay = Self.demoOverlay(scene: s, bodies: world.bodies) }
        let summary: ViewerSummary
        do { summary = try viewer.run() } catch { throw ViewerFailure(message: error.description) }
        if frames != nil || !summary.screenshots.isEmpty {
            print(
                "viewer: \(summary.frames) frames in \(String(format: "%.2f", summary.seconds)) s "
                    + "(\(String(format: "%.1f", Double(summary.frames) / max(summary.seconds, 1e-9))) FPS) on \(summary.renderer); ended at step \(summary.finalStep), \(summary.paused ? "paused" : "running")"
            )
            for path in summary.screenshots { print("screenshot: \(path)") }
            if let (name, p) = summary.selection { print(String(format: "selected: %@ at x %.4f y %.4f z %.4f m", name, p.x, p.y, p.z)) }
        }
    }
}

/// The scene with its robots placed, the world, and the robots' controllers (for the robot panel's TCP readout).
func sceneWithControllers(
    _ path: String, robot: String?, noRobots: Bool, seed: UInt64, plugins: EmbodimentPathOptions
) throws -> (Scene, World, [RobotController]) {
    var s = try loadScene(path)
    if noRobots { s.robots = [] }
    try plugins.load()
    do {
        let compiled = try CompiledScene(scene: s, robot: robot, registry: .shared)
        let (world, controllers) = try compiled.makeWorld(seed: seed, mode: nil)
        return (compiled.scene, world, controllers)
    } catch let e as EmbodimentError {
        throw BenchtopError(e.description)
    }
}

extension ViewCommand {
    /// Rings around the objects, as a world path and as traces projected into each fixed camera (the shape later
    /// stages use for end-effector paths and visual traces).
    static func demoOverlay(scene: Scene, bodies: [BodyDescription]) -> (WorldSnapshot) -> ViewerOverlay {
        { snapshot in
            var overlay = ViewerOverlay(text: ["OVERLAY DEMO: RINGS AROUND OBJECTS"])
            for (id, body) in bodies.enumerated() where body.kind == .object && id < snapshot.bodies.count {
                let c = snapshot.bodies[id].pose.position
                let ring = (0...48).map { i -> SIMD3<Double> in
                    let a = Double(i) / 48 * 2 * .pi
                    return SIMD3(c.x + 0.06 * cos(a), c.y + 0.06 * sin(a), scene.table.height + 0.002)
                }
                overlay.worldPaths.append(WorldPolyline(points: ring))
                for camera in scene.cameras {
                    guard let pinhole = try? camera.pinhole(bodies: bodies, snapshot: snapshot) else { continue }
                    let trace = ring.compactMap { pinhole.project($0)?.pixel }
                    overlay.cameraTraces[camera.name, default: []].append(ImagePolyline(points: trace))
                }
            }
            return overlay
        }
    }
}
