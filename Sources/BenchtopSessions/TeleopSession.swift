import BenchtopCore
import BenchtopEval
import BenchtopPolicy
import BenchtopRecording
import BenchtopTeleop
import BenchtopViewer
import Foundation

/// Interactive recording in the viewer, lerobot-record's loop: each episode starts at a "ready" prompt (the new
/// scene shown, the world frozen) until Enter; then the operator drives the robot until the episode time is up or
/// Right arrow saves it (Left arrow re-records, Esc saves and stops); a reset period follows and the scene is rebuilt
/// with the next seed.
///
/// Devices (BenchtopTeleop's `Teleoperator`s): the viewer window's keyboard, gamepad and mouse target, and optionally
/// an `external` device read once per control tick (SpaceMouse, leader arms). The keyboard's episode keys work with
/// every device. `TeleopMapper` is the robot side: it turns cartesian commands into actions of any control mode and
/// passes leader arms' joint actions through.
public final class TeleopSession: ViewerSimulation {
    let environment: TabletopEnvironment
    let recorder: DemoRecorder
    let device: TeleopDevice
    let external: Teleoperator?
    let target: Int
    let horizon: Int
    let resetTime: Double
    /// Wait for Enter (or gamepad A) before each episode; false starts recording at once.
    public var readyPrompt = true
    /// Exit after this many viewer frames (scripted checks under xvfb), with a screenshot.
    public var frames: Int?
    public var screenshot: String?
    /// SDL GameControllerDB text to add to GLFW's mappings, and where it came from.
    public var gamepadMappings: (text: String, source: String)?
    /// One JSON line per control tick (and per phase change): what the operator saw, for logs and scripted checks.
    public var logPath: String?

    enum Phase: Equatable {
        case ready, recording
        case resetting(Double)
    }

    private var mapper: TeleopMapper
    private var seed: UInt64
    private var observation: Observation?
    private var pending = TeleopCommand()
    private var carry = 0
    private var phase = Phase.ready
    private var ticks = 0
    private var stopping = false
    private var lastInfo: TickInfo?
    private var leaderMismatch: String?
    private var lastAction: [Double] = []
    private var binding: TeleopBinding!
    private var log: FileHandle?
    private let worker = PinnedThread(name: "benchtop-record")

    /// Clearance kept between a TCP target and the table top, metres.
    public static let tableClearance = 0.01

    public init(
        environment: TabletopEnvironment, recorder: DemoRecorder, device: String, external: Teleoperator? = nil, firstSeed: UInt64,
        target: Int, horizon: Int, resetTime: Double
    ) throws {
        guard let d = TeleopDevice(rawValue: device) else { throw ViewerFailure(message: "unknown viewer teleop device '\(device)'") }
        self.environment = environment
        self.recorder = recorder
        self.device = d
        self.external = external
        self.target = target
        self.horizon = horizon
        self.resetTime = resetTime
        seed = firstSeed
        mapper = TeleopMapper(controller: environment.controller)
    }

    // MARK: - ViewerSimulation

    public var bodies: [BodyDescription] { environment.world.bodies }
    public var timeStep: Double { environment.scene.physics.timeStep }
    public func snapshot() -> WorldSnapshot { environment.world.snapshot() }
    public func reset() throws { try worker.sync { try beginEpisode() } }

    public func step(_ count: Int) throws { try worker.sync { try advance(count) } }

    private func advance(_ count: Int) throws {
        switch phase {
        case .ready:
            // The world waits for the operator; a leader arm is read to show how far it is from the sim arm's pose.
            if let external, let action = try? external.read().jointAction { leaderMismatch = mismatch(action) }
        case .resetting(let left):
            let remaining = left - Double(count) * timeStep
            if remaining > 0 { phase = .resetting(remaining) } else { try beginEpisode() }
        case .recording:
            carry += count
            while carry >= environment.physicsStepsPerTick, phase == .recording, !stopping {
                carry -= environment.physicsStepsPerTick
                try tick()
            }
        }
    }

    // MARK: - Episodes

    public func run() throws {
        var options = ViewerOptions()
        let name = external?.name ?? device.rawValue
        options.title = "Benchtop record - \(environment.scene.name) (\(name); H: keys)"
        options.drive(
            cameras: environment.cameraNames, frames: frames, screenshot: screenshot,
            stepsPerTick: environment.physicsStepsPerTick)
        let viewer = try ViewerFailure.openViewer(scene: environment.scene, simulation: self, options: options)
        if let gamepadMappings {
            do { try TeleopBinding.updateGamepadMappings(gamepadMappings.text, source: gamepadMappings.source) } catch {
                throw ViewerFailure(message: "\(error)")
            }
        }
        binding = TeleopBinding(
            device: device, input: { [unowned self] in self.receive($0) },
            marker: { [unowned self] in self.phase == .recording ? self.mapper.worldTarget : nil },
            status: { [unowned self] in self.statusLines() })
        viewer.teleop = binding
        // The robot panel's joints and TCP and the contacts (read on the main thread while the worker waits).
        viewer.inspection = WorldInspection(
            world: { [unowned self] in self.environment.world }, controllers: { [unowned self] in [self.environment.controller] },
            drivesJoints: false)
        if let logPath {
            FileManager.default.createFile(atPath: logPath, contents: nil)
            log = FileHandle(forWritingAtPath: logPath)
        }
        defer { try? log?.close() }
        // Observations render through their own headless context, on the worker thread.
        try worker.sync { try beginEpisode() }
        viewer.setHelpVisible(frames != nil)
        do { _ = try viewer.run() } catch { throw ViewerFailure(message: error.description) }
        if recorder.openFrames > 0 && stopping { try worker.sync { try save() } }
        external?.disconnect()
    }

    private func beginEpisode() throws {
        if recorder.writer.hasOpenEpisode { recorder.discardEpisode() }
        let first = try environment.reset(seed: seed)
        observation = first
        recorder.episodeDidReset(seed: seed, observation: first)
        mapper = TeleopMapper(controller: environment.controller)
        mapper.floorZ = environment.scene.table.height + Self.tableClearance
        ticks = 0
        carry = 0
        lastInfo = nil
        lastAction = []
        pending = TeleopCommand()
        phase = readyPrompt ? .ready : .recording
        writeLog()
    }

    private func receive(_ input: TeleopCommand) {
        for event in input.events {
            switch event {
            case .start:
                if phase == .ready {
                    phase = .recording
                    writeLog()
                }
            case .saveAndNext:
                if phase == .recording, recorder.openFrames > 0 {
                    _ = try? worker.sync { try save() }
                    startReset()
                }
            case .rerecord:
                if phase == .recording {
                    _ = try? worker.sync { recorder.discardEpisode() }
                    startReset()
                }
            case .stop:
                stopping = true
                binding.closeRequested = true
            case .switchArm: mapper.switchArm()
            case .togglePairedArms: mapper.paired.toggle()
            }
        }
        // Kept until the next control tick: gripper toggles and drags accumulate, rates are the latest. A toggle made
        // while paused or at the ready prompt is kept for the first tick.
        pending.translation = input.translation
        pending.rotation = input.rotation
        pending.toggleGripper = pending.toggleGripper || input.toggleGripper
        if let g = input.gripper { pending.gripper = g }
        pending.dragTarget = input.dragTarget
    }

    private func tick() throws {
        guard let seen = observation else { return }
        var command = pending
        if let external {
            do { command = command.merged(with: try external.read()) } catch {
                throw ViewerFailure(message: "\(external.name): \(error)")
            }
        }
        let action = DemoRecorder.quantized(try mapper.action(command: command, view: binding.view, dt: 1 / environment.controlRate))
        pending.toggleGripper = false
        pending.gripper = nil
        lastAction = action
        let info = try environment.step(action)
        lastInfo = info
        recorder.episodeDidTick(index: ticks, observation: seen, action: action, reasoning: nil, info: info)
        ticks += 1
        writeLog()
        observation = try environment.observe()
        if ticks >= horizon {
            try save()
            startReset()
        }
    }

    private func save() throws {
        try recorder.saveEpisode()
        seed += 1
        if recorder.episodeCount >= target {
            stopping = true
            binding?.closeRequested = true
        }
    }

    /// Re-recording keeps the seed (save advances it), so the operator gets the same scene again.
    private func startReset() {
        phase = .resetting(max(resetTime, timeStep))
        writeLog()
    }

    // MARK: - Readouts

    /// The channel where a leader's action differs most from the robot's state (same units: the mode's).
    private func mismatch(_ action: [Double]) -> String? {
        let mode = environment.controller.mode
        let state = environment.controller.state()
        guard action.count == mode.action.count, state.count == action.count else { return nil }
        let joints = action.indices.filter { i in
            if case .gripper = mode.action[i].source { return false }
            return true
        }
        let worst = joints.max { abs(action[$0] - state[$0]) < abs(action[$1] - state[$1]) }
        return worst.map {
            String(
                format: "LEADER VS ARM: %.2f %@ ON %@ (MATCH THE POSE, THEN ENTER)", abs(action[$0] - state[$0]), mode.action[$0].unit.uppercased(),
                mode.action[$0].name.uppercased())
        }
    }

    /// The arms in screen order for the operator: "SCREEN LEFT" is the arm drawn on the left of the view.
    private func armLabel(_ arm: Int) -> String {
        let arms = environment.embodiment.arms
        guard arms.count > 1 else { return arms[arm].name.uppercased() }
        let view = binding?.view ?? OperatorView(azimuth: 0)
        let c = environment.controller
        let leftness = arms.indices.map { view.leftness(of: (c.basePose * c.tcpPose(arm: $0)).position) }
        let side = leftness[arm] == leftness.max() ? "SCREEN-LEFT" : "SCREEN-RIGHT"
        return "\(side) ARM (\(arms[arm].name.uppercased()))"
    }

    /// Robot-object contacts: link - body and the normal force, strongest first.
    private func contactLines() -> [String] {
        let world = environment.world
        var forces: [String: Double] = [:]
        for c in world.contacts() {
            let (a, b) = (world.bodies[c.bodyA], world.bodies[c.bodyB])
            guard (a.kind == .robotLink) != (b.kind == .robotLink) else { continue }
            let (link, other) = a.kind == .robotLink ? (a, b) : (b, a)
            let key = "\(link.name.split(separator: "/").last.map(String.init) ?? link.name)-\(other.name)"
            forces[key, default: 0] += c.normalForce
        }
        return forces.sorted { $0.value > $1.value }.prefix(4).map { String(format: "%@ %.1f N", $0.key.uppercased(), $0.value) }
    }

    private func statusLines() -> [String] {
        let seconds = Double(ticks) / environment.controlRate
        let limit = Double(horizon) / environment.controlRate
        var lines: [String]
        switch phase {
        case .ready:
            lines = ["READY: EPISODE \(recorder.episodeCount + 1) OF \(target), SEED \(seed). PRESS ENTER (GAMEPAD A) TO START"]
            if let leaderMismatch { lines.append(leaderMismatch) }
        case .resetting(let left):
            lines = [String(format: "RESET %.1f S  (EPISODE %d OF %d SAVED OR DISCARDED)", left, recorder.episodeCount, target)]
        case .recording:
            lines = [String(format: "EPISODE %d OF %d  SEED %llu  RECORDING %.1f / %.0f S", recorder.episodeCount + 1, target, seed, seconds, limit)]
        }
        let c = environment.controller
        let arm = mapper.activeArm
        let tcp = (c.basePose * c.tcpPose(arm: arm)).position
        lines.append(
            String(format: "TCP X %.3f Y %.3f Z %.3f M (WORLD)%@", tcp.x, tcp.y, tcp.z, mapper.atFloor(arm: arm) ? "  AT TABLE GUARD" : ""))
        lines.append("GRIPPER \(mapper.apertures[arm] > 0.5 ? "OPEN" : "CLOSED")  SUCCESS \(recorder.succeeded ? "YES" : "NO")")
        let contacts = contactLines()
        lines.append("CONTACTS " + (contacts.isEmpty ? "NONE" : contacts.joined(separator: ", ")))
        if environment.embodiment.arms.count > 1 { lines.append("DRIVING \(armLabel(arm))\(mapper.paired ? " + PAIRED" : "")  (TAB: OTHER ARM)") }
        return lines
    }

    private func writeLog() {
        guard let log else { return }
        let c = environment.controller
        let world = environment.world
        let tcp = (c.basePose * c.tcpPose(arm: mapper.activeArm)).position
        let phaseName: String
        switch phase {
        case .ready: phaseName = "ready"
        case .recording: phaseName = "recording"
        case .resetting: phaseName = "resetting"
        }
        let snapshot = world.snapshot()
        var objects: [String: Any] = [:]
        for (i, body) in world.bodies.enumerated() where body.kind == .object {
            let p = snapshot.bodies[i].pose
            objects[body.name] = ["position": [p.position.x, p.position.y, p.position.z], "yaw": p.orientation.rollPitchYaw.z]
        }
        let entry: [String: Any] = [
            "phase": phaseName, "tick": ticks, "time": Double(ticks) / environment.controlRate, "episode": recorder.episodeCount,
            "seed": seed, "tcp": [tcp.x, tcp.y, tcp.z], "target": [mapper.worldTarget.x, mapper.worldTarget.y, mapper.worldTarget.z],
            "gripper_open": mapper.apertures[mapper.activeArm] > 0.5, "success": lastInfo?.success ?? false,
            "view_azimuth": binding?.view.azimuth ?? 0, "contacts": contactLines(), "objects": objects,
            "action": lastAction, "state": c.state(),
        ]
        if let data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) {
            log.write(data + Data("\n".utf8))
        }
    }
}

/// Runs closures on one dedicated thread, synchronously. The recorded observations render through a headless
/// EGL context, which must stay current on its own thread: libglvnd refuses a thread both a GLX (viewer window)
/// and an EGL current context.
final class PinnedThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var job: (() -> Void)?
    private var finished = false

    init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while job == nil { condition.wait() }
            condition.unlock()
            job!()  // no lasting copy: the closure must not outlive `sync`
            condition.lock()
            job = nil
            finished = true
            condition.broadcast()
            condition.unlock()
        }
    }

    func sync<T>(_ body: () throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var result: Result<T, Error>!
            condition.lock()
            finished = false
            job = { result = Result { try body() } }
            condition.broadcast()
            while !finished { condition.wait() }
            condition.unlock()
            return try result.get()
        }
    }
}
