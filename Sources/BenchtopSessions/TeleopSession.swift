import BenchtopCore
import BenchtopEval
import BenchtopPolicy
import BenchtopRecording
import BenchtopViewer
import Foundation

/// Interactive recording in the viewer: keyboard or gamepad (and Ctrl + mouse drag of the target marker) drive
/// the TCP through `TeleopMapper`; episodes run for the time limit or until Right arrow saves them, Left arrow
/// re-records, Esc saves and stops. Between episodes a reset period (world frozen) runs, then the scene is
/// rebuilt with the next seed.
public final class TeleopSession: ViewerSimulation {
    let environment: TabletopEnvironment
    let recorder: DemoRecorder
    let device: TeleopDevice
    let target: Int
    let horizon: Int
    let resetTime: Double
    /// Exit after this many viewer frames (scripted checks under xvfb), with a screenshot.
    public var frames: Int?
    public var screenshot: String?

    private var mapper: TeleopMapper
    private var seed: UInt64
    private var observation: Observation?
    private var pending = TeleopInput()
    private var carry = 0
    private var resetLeft = 0.0  // seconds of reset period left; 0 while recording
    private var ticks = 0
    private var stopping = false
    private var binding: TeleopBinding!
    private let worker = PinnedThread(name: "benchtop-record")

    public init(
        environment: TabletopEnvironment, recorder: DemoRecorder, device: String, firstSeed: UInt64, target: Int, horizon: Int,
        resetTime: Double
    ) throws {
        guard let d = TeleopDevice(rawValue: device) else { throw ViewerFailure(message: "unknown teleop device '\(device)'") }
        self.environment = environment
        self.recorder = recorder
        self.device = d
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
        if resetLeft > 0 {
            resetLeft -= Double(count) * timeStep
            if resetLeft <= 0 {
                resetLeft = 0
                try beginEpisode()
            }
            return
        }
        carry += count
        while carry >= environment.physicsStepsPerTick, resetLeft == 0, !stopping {
            carry -= environment.physicsStepsPerTick
            try tick()
        }
    }

    // MARK: - Episodes

    public func run() throws {
        var options = ViewerOptions()
        options.title = "Benchtop record - \(environment.scene.name) (\(device.rawValue); H: keys)"
        options.drive(
            cameras: environment.cameraNames, frames: frames, screenshot: screenshot,
            stepsPerTick: environment.physicsStepsPerTick)
        let viewer = try ViewerFailure.openViewer(scene: environment.scene, simulation: self, options: options)
        binding = TeleopBinding(
            device: device, input: { [unowned self] in self.receive($0) },
            marker: { [unowned self] in self.resetLeft > 0 ? nil : self.mapper.worldTarget },
            status: { [unowned self] in self.statusLines() })
        viewer.teleop = binding
        // The robot panel's joints and TCP and the contacts (read on the main thread while the worker waits).
        viewer.inspection = WorldInspection(
            world: { [unowned self] in self.environment.world }, controllers: { [unowned self] in [self.environment.controller] },
            drivesJoints: false)
        // Observations render through their own headless context, on the worker thread.
        try worker.sync { try beginEpisode() }
        viewer.setHelpVisible(frames != nil)
        do { _ = try viewer.run() } catch { throw ViewerFailure(message: error.description) }
        if recorder.openFrames > 0 && stopping { try worker.sync { try save() } }
    }

    private func beginEpisode() throws {
        if recorder.writer.hasOpenEpisode { recorder.discardEpisode() }
        let first = try environment.reset(seed: seed)
        observation = first
        recorder.episodeDidReset(seed: seed, observation: first)
        mapper = TeleopMapper(controller: environment.controller)
        ticks = 0
        carry = 0
    }

    private func receive(_ input: TeleopInput) {
        for event in input.events {
            switch event {
            case .saveAndNext:
                if recorder.openFrames > 0 {
                    _ = try? worker.sync { try save() }
                    startReset()
                }
            case .rerecord:
                _ = try? worker.sync { recorder.discardEpisode() }
                startReset()
            case .stop:
                stopping = true
                binding.closeRequested = true
            case .switchArm: mapper.switchArm()
            case .togglePairedArms: mapper.paired.toggle()
            }
        }
        // Accumulate until the next control tick; gripper toggles and drags are kept, rates are the latest.
        pending.translation = input.translation
        pending.rotation = input.rotation
        pending.toggleGripper = pending.toggleGripper || input.toggleGripper
        if let g = input.gripper { pending.gripper = g }
        pending.dragTarget = input.dragTarget
    }

    private func tick() throws {
        guard let seen = observation else { return }
        let action = DemoRecorder.quantized(
            try mapper.action(
                translation: pending.translation, rotation: pending.rotation,
                toggleGripper: pending.toggleGripper, gripper: pending.gripper,
                dragTarget: pending.dragTarget, dt: 1 / environment.controlRate))
        pending.toggleGripper = false
        pending.gripper = nil
        let info = try environment.step(action)
        recorder.episodeDidTick(index: ticks, observation: seen, action: action, reasoning: nil, info: info)
        ticks += 1
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
        resetLeft = max(resetTime, timeStep)
    }

    private func statusLines() -> [String] {
        let phase =
            resetLeft > 0
            ? String(format: "RESET %.1f S", resetLeft)
            : String(format: "RECORDING %.1f / %.1f S", Double(ticks) / environment.controlRate, Double(horizon) / environment.controlRate)
        var lines = [
            "EPISODE \(recorder.episodeCount + 1) OF \(target)  SEED \(seed)  \(phase)",
            "GRIPPER \(mapper.apertures[mapper.activeArm] > 0.5 ? "OPEN" : "CLOSED")  SUCCESS \(recorder.succeeded ? "YES" : "NO")",
        ]
        if environment.embodiment.arms.count > 1 {
            lines.append("ARM \(environment.embodiment.arms[mapper.activeArm].name.uppercased())\(mapper.paired ? " (PAIRED)" : "")")
        }
        return lines
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
