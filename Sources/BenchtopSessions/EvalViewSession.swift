import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPolicy
import BenchtopReasoning
import BenchtopRecording
import BenchtopViewer
import Foundation

/// Why the episode loop stopped under the viewer (the window closed, or R restarts the episode).
struct ViewerInterrupt: Error, CustomStringConvertible {
    var description: String { "stopped from the viewer" }
}

/// The environment the runner sees under `eval --view`: each control tick waits for the viewer's go-ahead, and
/// while it waits, the world, the timeline and the planned path are published for the viewer to draw. The runner
/// (policy queries, EGL observation rendering, physics) lives on its own thread: libglvnd refuses one thread a
/// GLX (window) and an EGL current context together.
public final class GatedEnvironment: Environment, @unchecked Sendable {
    /// What the viewer draws, copied at each gate (the runner is blocked meanwhile, so the copies are consistent).
    public struct Published {
        var snapshot: WorldSnapshot
        var ticks: [TimelineTick] = []
        var episode = 0
        var seed: UInt64 = 0
        /// The built-in policy's plan (TCP waypoints ahead), world frame.
        var plan: [SIMD3<Double>] = []
        var results: [EpisodeResult] = []
        var finished = false
        /// Which run of the episode loop this is (R restarts count too): a stroke steers only the attempt it began in.
        var attempt = 0
        /// Strokes dropped because their episode ended before they could be handed over.
        var droppedStrokes = 0
        var contacts: [ContactReadout] = []
    }

    public let inner: TabletopEnvironment
    public let timeline: ReasoningTimeline
    public var policy: (any Policy)?
    private let condition = NSCondition()
    private var permits = 0
    private var waiting = false
    private var stop = false
    private var restart = false
    private var pendingTrace: [SIMD2<Double>]?
    private var pendingAttempt = 0
    private var droppedStrokes = 0
    /// The attempt now running, and the attempts a trace was handed over in (runner thread).
    private(set) var attempt = 0
    private var steeredAttempts: Set<Int> = []
    private var state: Published
    var results: [EpisodeResult] = []
    var seed: UInt64 = 0

    public init(_ inner: TabletopEnvironment, timeline: ReasoningTimeline) {
        self.inner = inner
        self.timeline = timeline
        state = Published(snapshot: inner.world.snapshot())
    }

    public var actionDimension: Int { inner.actionDimension }
    public var controlRate: Double { inner.controlRate }
    public var instruction: String { inner.instruction }
    public func reset(seed: UInt64) throws -> Observation { try inner.reset(seed: seed) }
    public func observe() throws -> Observation { try inner.observe() }

    public func step(_ action: [Double]) throws -> TickInfo {
        try gate()
        return try inner.step(action)
    }

    /// Publishes the state, then waits for a permit (runner thread).
    private func gate() throws {
        let published = publishable()
        condition.lock()
        defer { condition.unlock() }
        state = published
        waiting = true
        condition.broadcast()
        while permits == 0 && !stop && !restart { condition.wait() }
        waiting = false
        if stop || restart {
            restart = false
            throw ViewerInterrupt()
        }
        permits -= 1
        if let trace = pendingTrace {
            // A stroke begun in an episode that has since ended (or was restarted) must not steer this one.
            if pendingAttempt == attempt, let follower = policy as? any TraceFollowing {
                follower.follow(trace: trace)
                steeredAttempts.insert(attempt)
            } else {
                droppedStrokes += 1
            }
        }
        pendingTrace = nil
    }

    private func publishable() -> Published {
        var p = Published(snapshot: inner.world.snapshot(), ticks: timeline.ticks, episode: timeline.episode, seed: seed)
        p.attempt = attempt
        p.droppedStrokes = droppedStrokes
        p.contacts = inner.world.contacts().map {
            ContactReadout(position: $0.positionOnB, normal: $0.normalOnB, force: $0.normalForce, bodyA: $0.bodyA, bodyB: $0.bodyB)
        }
        if let reference = policy as? ReferencePolicy {
            p.plan = reference.plan.dropFirst(reference.index).map(\.position)
        }
        p.results = results
        return p
    }

    /// Starts the next attempt (runner thread, before each episode run).
    func beginAttempt() { attempt += 1 }

    /// Whether a trace was handed over during an attempt (runner thread).
    func wasSteered(_ attempt: Int) -> Bool { steeredAttempts.contains(attempt) }

    /// Called by the episode loop when it is done (runner thread).
    func finish() {
        let published = publishable()
        condition.lock()
        state = published
        state.finished = true
        waiting = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Viewer side (main thread)

    /// Lets `ticks` control ticks run; with `wait`, returns once they have (scripted runs are deterministic).
    func advance(_ ticks: Int, wait: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if state.finished { return }
        permits += wait ? ticks : min(ticks, max(0, 1 - permits))  // live runs never queue up more than one tick
        condition.broadcast()
        if wait { while (permits > 0 || !waiting) && !state.finished { condition.wait() } }
    }

    var published: Published {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// Hands a trace (0 ... 255 primary-image coordinates) to the policy at the next gate, if that gate is still
    /// in `attempt` (the one the stroke began in).
    func steer(_ trace: [SIMD2<Double>], attempt: Int) {
        condition.lock()
        pendingTrace = trace
        pendingAttempt = attempt
        condition.unlock()
    }

    func interrupt(restartEpisode: Bool) {
        condition.lock()
        if restartEpisode { restart = true } else { stop = true }
        condition.broadcast()
        condition.unlock()
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stop
    }
}

/// `benchtop eval --view`: the closed loop live in the viewer with the reasoning panel, the planned and executed
/// TCP paths in the scene, a timeline over the current episode ([ and ]) and mouse steering on the primary panel.
public final class EvalViewSession: ViewerSimulation, @unchecked Sendable {
    let gated: GatedEnvironment
    let runner: EpisodeRunner
    let panel: ReasoningPanel
    public var frames: Int?
    public var screenshot: String?
    public var size = (1280, 800)
    /// A stroke in primary-camera image pixels performed as if drawn with the mouse (tests: no xdotool), starting
    /// after `scriptedStrokeDelay` frames.
    public var scriptedStroke: [SIMD2<Double>] = []
    public var scriptedStrokeDelay = 0
    /// A deliberate stroke: at least this share of the primary image's width along its path, held this long.
    public static let minimumStrokeFraction = 0.08
    public static let minimumStrokeDuration = 0.15

    private var environment: TabletopEnvironment { gated.inner }
    private var viewTick: Int?  // nil: live; else the timeline tick shown
    private var steering: [SIMD2<Double>] = []  // the last trace handed over, 0 ... 255
    private var showPanel = true
    private var composed: (key: [Int], image: RGBImage)?
    private var published: GatedEnvironment.Published
    private var restarts = 0
    private var strokeAttempt = 0
    private var steeringAttempt = 0  // the attempt the drawn trace belongs to: it is shown during that one only
    private var robotJoints: [(name: String, joints: [JointSpec])] = []

    public init(gated: GatedEnvironment, runner: EpisodeRunner, tokenizer: GridDepthQuantizer) {
        self.gated = gated
        self.runner = runner
        panel = ReasoningPanel(tokenizer: tokenizer, tile: 208, showsTokenNumbers: true)
        published = gated.published
        bodies = gated.inner.world.bodies  // the same every episode: the world is rebuilt from the same scene
        robotJoints = gated.inner.world.articulations.map { ($0.name, $0.joints) }
    }

    // MARK: - ViewerSimulation

    public let bodies: [BodyDescription]
    public var timeStep: Double { environment.scene.physics.timeStep }
    public func snapshot() -> WorldSnapshot { published.snapshot }
    private var carry = 0
    public func step(_ count: Int) throws {
        carry += count
        let ticks = carry / environment.physicsStepsPerTick
        carry -= ticks * environment.physicsStepsPerTick
        if ticks > 0 {
            viewTick = nil
            gated.advance(ticks, wait: frames != nil)
        }
        published = gated.published
    }
    public func reset() throws {
        gated.interrupt(restartEpisode: true)
        restarts += 1
    }

    /// Runs `episodes` episodes from `firstSeed` on a runner thread under the viewer; returns the finished
    /// episodes' results (those cut short by closing the window or by R are left out).
    public func run(episodes: Int, firstSeed: UInt64, stages: [String]) throws -> [EpisodeResult] {
        var options = ViewerOptions()
        options.width = size.0
        options.height = size.1
        options.title = "Benchtop eval - \(environment.scene.name) (\(runner.policy.name); H: keys)"
        options.drive(
            cameras: environment.cameraNames, frames: frames, screenshot: screenshot,
            stepsPerTick: environment.physicsStepsPerTick)
        let viewer = try ViewerFailure.openViewer(scene: environment.scene, simulation: self, options: options)
        let primary = environment.primaryCamera
        viewer.traceCamera = primary
        viewer.orbit = OrbitCamera(target: SIMD3(0.38, 0, 0.92), azimuth: 0.55, elevation: 0.38, distance: 1.9)
        viewer.scriptedStroke = scriptedStroke
        viewer.scriptedStrokeDelay = scriptedStrokeDelay
        let width = Double((try? environment.primaryPinhole())?.width ?? 256)
        viewer.minimumStrokeLength = Self.minimumStrokeFraction * width
        viewer.minimumStrokeDuration = Self.minimumStrokeDuration
        viewer.helpText = Self.helpText(primary: primary, minimumLength: viewer.minimumStrokeLength)
        viewer.inspection = self
        viewer.onStrokeBegin = { [unowned self] in self.strokeAttempt = self.published.attempt }
        viewer.onTrace = { [unowned self] stroke in self.handOver(stroke) }
        viewer.onStrokeIgnored = { message in print("steering: \(message)") }
        viewer.keyHandler = { [unowned self, unowned viewer] key in self.key(key, viewer: viewer) }
        viewer.overlay = { [unowned self, unowned viewer] _ in self.overlay(paused: viewer.isPaused) }

        let thread = Thread { [self] in loop(episodes: episodes, firstSeed: firstSeed, stages: stages) }
        thread.name = "benchtop-eval"
        thread.stackSize = 8 << 20
        thread.start()
        defer {
            gated.interrupt(restartEpisode: false)
            done.lock()
            while !loopFinished { done.wait() }
            done.unlock()
        }
        gated.advance(0, wait: true)  // the first observation and query
        published = gated.published
        do { _ = try viewer.run() } catch { throw ViewerFailure(message: error.description) }
        return gated.results
    }

    private let done = NSCondition()
    private var loopFinished = false

    /// The episode loop (runner thread).
    private func loop(episodes: Int, firstSeed: UInt64, stages: [String]) {
        var seed = firstSeed
        var k = 0
        while k < episodes && !gated.isStopping {
            gated.seed = seed
            gated.beginAttempt()
            var r = runner.run(seed: seed, task: stages)
            if case .physicsError(let m) = r.outcome, m.contains(ViewerInterrupt().description) { continue }  // R: same seed again
            r.steered = gated.wasSteered(gated.attempt)
            gated.results.append(r)
            k += 1
            seed += 1
        }
        gated.finish()
        done.lock()
        loopFinished = true
        done.broadcast()
        done.unlock()
    }

    // MARK: - Steering

    private func handOver(_ stroke: [SIMD2<Double>]) {
        let size = published.ticks.last?.camera.map { (Double($0.width), Double($0.height)) } ?? (256, 256)
        // MolmoAct's trace coordinates: x = px * 255 / (w - 1), at most 5 points by its linspace rule.
        let points = stroke.map { SIMD2(min(max($0.x * 255 / (size.0 - 1), 0), 255), min(max($0.y * 255 / (size.1 - 1), 0), 255)) }
        steering = TraceLabels.subsample(points, to: 5).map { $0.rounded(.toNearestOrAwayFromZero) }
        steeringAttempt = strokeAttempt
        gated.steer(steering, attempt: strokeAttempt)
        let shown = steering.map { "\(Int($0.x)),\(Int($0.y))" }.joined(separator: ";")
        print("steering: trace \(shown) handed to the policy at the next tick of episode attempt \(strokeAttempt)")
    }

    // MARK: - Keys

    private func key(_ key: Int32, viewer: Viewer) -> Bool {
        let ticks = published.ticks.count
        switch key {
        case 91, 93:  // [ and ]: scrub the current episode's ticks (pauses)
            guard ticks > 0 else { return true }
            viewer.isPaused = true
            let now = viewTick ?? ticks - 1
            viewTick = min(max(now + (key == 91 ? -1 : 1), 0), ticks - 1)
            return true
        case 71:  // G: the predicted codes as numbers
            panel.showsTokenNumbers.toggle()
            composed = nil
            return true
        case 86:  // V: hide / show the reasoning panel
            showPanel.toggle()
            return true
        case 67:  // C: clear the drawn steering trace
            steering = []
            return true
        default:
            return false
        }
    }

    // MARK: - Overlay

    private func overlay(paused: Bool) -> ViewerOverlay {
        if !paused { viewTick = nil }
        let p = published
        var o = ViewerOverlay()
        let primary = environment.primaryCamera
        let index = viewTick ?? p.ticks.count - 1
        var text = [
            "Episode \(p.results.count + (p.finished ? 0 : 1))  seed \(p.seed)  tick \(max(index, 0) + 1) / \(p.ticks.count)"
                + (viewTick != nil ? "  timeline ([ ] scrub, Space live)" : "")
        ]
        let successes = p.results.filter(\.successAtEnd).count
        let steered = p.results.filter(\.steered).count
        if !p.results.isEmpty {
            text.append("Success \(successes) / \(p.results.count)  steered \(steered)" + (p.finished ? "  done" : ""))
        }
        if p.droppedStrokes > 0 { text.append("\(p.droppedStrokes) stroke(s) dropped: their episode ended first") }
        text.append("Draw on \(primary) to steer  [ ]: timeline  H: keys")
        o.text = text

        var traces: [ImagePolyline] = []
        var executed = p.ticks.prefix(max(index + 1, 0)).map(\.endEffector)
        if p.ticks.isEmpty { executed = [] }
        if p.ticks.indices.contains(index) {
            let t = p.ticks[index]
            let cam = t.camera
            let w = Double(cam?.width ?? 256)
            let h = Double(cam?.height ?? 256)
            // Predicted trace (0 ... 255) on the live primary panel, and the executed TCP path from the chunk's start.
            for trace in t.reasoning?.traces ?? [] {
                traces.append(
                    ImagePolyline(
                        points: trace.map { SIMD2($0.x * (w - 1) / 255, $0.y * (h - 1) / 255) },
                        color: Color(1, 40.0 / 255, 200.0 / 255), width: 3))
            }
            if let cam {
                let future = p.ticks[t.chunkStart...].prefix(index - t.chunkStart + 1).compactMap { cam.project($0.endEffector)?.pixel }
                traces.append(ImagePolyline(points: future, color: Color(40.0 / 255, 230.0 / 255, 90.0 / 255), width: 2))
                // The predicted trace lifted onto the rendered depth: the policy's planned 3D path.
                if let depth = p.ticks[t.chunkStart].depth, let trace = t.reasoning?.traces.first {
                    let lifted = trace.map { q -> SIMD3<Double> in
                        let px = SIMD2(q.x * (w - 1) / 255, q.y * (h - 1) / 255)
                        let d = depth[min(max(Int(px.x), 0), depth.width - 1), min(max(Int(px.y), 0), depth.height - 1)]
                        return cam.unproject(pixel: px, depth: Double(d))
                    }
                    o.worldPaths.append(WorldPolyline(points: lifted, color: Color(1, 40.0 / 255, 200.0 / 255), width: 3))
                }
            }
            if showPanel {
                let key = [p.episode, index, panel.showsTokenNumbers ? 1 : 0]
                if composed?.key != key {
                    let future = Array(p.ticks[t.chunkStart...].map(\.endEffector))
                    composed = (key, panel.compose(t, depth: p.ticks[t.chunkStart].depth, future: future, episode: p.episode))
                }
                o.panel = composed?.image
            }
            if viewTick != nil {  // a cross at the TCP of the tick shown
                let m = t.endEffector
                for axis in 0..<3 {
                    var a = m
                    var b = m
                    a[axis] -= 0.03
                    b[axis] += 0.03
                    o.worldPaths.append(WorldPolyline(points: [a, b], color: Color(1, 1, 1), width: 3))
                }
            }
        }
        if !p.plan.isEmpty, viewTick == nil, let tcp = executed.last {
            o.worldPaths.append(WorldPolyline(points: [tcp] + p.plan, color: Color(1, 0.85, 0), width: 2))
        }
        o.worldPaths.append(WorldPolyline(points: executed, color: Color(40.0 / 255, 230.0 / 255, 90.0 / 255), width: 3))
        if !steering.isEmpty, steeringAttempt == p.attempt {
            let cam = p.ticks.last?.camera
            let w = Double(cam?.width ?? 256)
            let h = Double(cam?.height ?? 256)
            traces.append(
                ImagePolyline(
                    points: steering.map { SIMD2($0.x * (w - 1) / 255, $0.y * (h - 1) / 255) },
                    color: Color(1, 0.55, 0), width: 4))
        }
        o.cameraTraces[primary] = traces
        return o
    }
}

extension EvalViewSession: ViewerInspection {
    /// What H shows under `eval --view`.
    static func helpText(primary: String, minimumLength: Double) -> String {
        """
        Benchtop eval --view
        Steering: draw on the \(primary) panel with the left button. A stroke steers when it is at least
          \(Int(minimumLength.rounded())) image pixels long and held \(String(format: "%.2f", minimumStrokeDuration)) s (a click does not).
          It is handed to the policy at the next control tick of the episode it began in;
          a stroke still being drawn when its episode ends is dropped. Steered episodes are
          marked in results.json ("steered": true) and counted in the report.
        [ and ]                scrub the episode's ticks (pauses); Space: live again
        G                      predicted depth codes as numbers
        V                      hide / show the reasoning panel
        C                      clear the drawn steering trace
        R                      restart the episode (same seed)
        Space / N              pause / one control tick
        Left drag / right drag / wheel    orbit / pan / zoom
        S   screenshot     H   this help     Esc or Q   quit (finished episodes are saved)
        """
    }

    /// Joint readouts and contacts from what the runner published at its last gate (the runner owns the world).
    public func robots(_ snapshot: WorldSnapshot) -> [RobotReadout] {
        let tcp = published.ticks.last.map { [Pose(position: $0.endEffector)] } ?? []
        return zip(robotJoints, snapshot.articulations).enumerated().map { i, pair in
            let (robot, state) = pair
            let joints = robot.joints.enumerated().compactMap { k, j -> JointReadout? in
                guard k < state.jointPositions.count else { return nil }
                return JointReadout(
                    name: j.name, position: state.jointPositions[k], velocity: state.jointVelocities[k], lower: j.lower, upper: j.upper,
                    isPrismatic: j.kind == .prismatic)
            }
            return RobotReadout(name: robot.name, controlMode: "policy: \(runner.policy.name)", joints: joints, tcp: i == 0 ? tcp : [])
        }
    }

    public func contacts() -> [ContactReadout] { published.contacts }
}

extension ViewerOptions {
    /// Options of a viewer that drives a control loop: its cameras, and with `frames` a scripted run of one
    /// control tick per frame (deterministic, no vsync) that may end with a screenshot.
    mutating func drive(cameras: [String], frames: Int?, screenshot: String?, stepsPerTick: Int) {
        self.cameras = cameras
        self.frames = frames
        screenshotPath = screenshot
        stepsPerFrame = frames != nil ? stepsPerTick : nil
        vsync = frames == nil
    }
}
