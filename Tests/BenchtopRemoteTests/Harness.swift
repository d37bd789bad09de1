import BenchtopCore
import BenchtopEval
import BenchtopPhysics
import BenchtopPolicy
import BenchtopScene
import Foundation
import Testing

@testable import BenchtopRemote

/// The pip packages the loopback servers need.
let pipPackages = "pip install openpi-client openpi-server fastapi uvicorn json-numpy numpy msgpack pillow"

struct ServerSetupError: Error, CustomStringConvertible { var description: String }

/// A Python test server under scripts/policy-servers, started on a free 127.0.0.1 port and stopped on `stop()`.
final class PythonServer {
    let process = Process()
    let port: Int
    private let output = Pipe(), errors = Pipe()
    private let stderrLog = LockedBuffer()

    static var scriptsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/policy-servers")
    }

    static func python() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw ServerSetupError(description: "python3 is not installed (needed for the loopback policy servers): install python3, then \(pipPackages)")
    }

    /// Starts `script` and waits (at most 30 s) for its port and for `healthPath` to answer 200.
    init(_ script: String, _ arguments: [String] = [], healthPath: String) throws {
        process.executableURL = URL(fileURLWithPath: try PythonServer.python())
        process.arguments = ["-u", PythonServer.scriptsDirectory.appendingPathComponent(script).path] + arguments
        process.currentDirectoryURL = PythonServer.scriptsDirectory
        process.standardOutput = output
        process.standardError = errors
        let log = stderrLog
        errors.fileHandleForReading.readabilityHandler = { h in log.append(h.availableData) }
        try process.run()
        // The first stdout line is "PORT n".
        let deadline = monotonicSeconds() + 30
        var line = Data()
        while !line.contains(0x0A) {
            let d = output.fileHandleForReading.availableData
            if d.isEmpty {
                process.waitUntilExit()
                Thread.sleep(forTimeInterval: 0.1)
                let err = log.text
                if process.terminationStatus == 3 || err.contains("MISSING") {
                    throw ServerSetupError(description: "\(script): \(err.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
                throw ServerSetupError(
                    description: "\(script) exited with \(process.terminationStatus) before announcing its port: \(err.suffix(3000))")
            }
            line.append(d)
            if monotonicSeconds() > deadline {
                process.terminate()
                throw ServerSetupError(description: "\(script) did not announce its port in 30 s")
            }
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let p = text.split(separator: "\n").first.flatMap({ Int($0.split(separator: " ").last ?? "") }) else {
            process.terminate()
            throw ServerSetupError(description: "\(script) printed '\(text)' instead of 'PORT n'")
        }
        port = p
        let http = HTTPClient(host: "127.0.0.1", port: p, timeout: 2)
        while true {
            if let r = try? http.request("GET", path: healthPath), r.status == 200 { break }
            if !process.isRunning { throw ServerSetupError(description: "\(script) exited: \(log.text.suffix(3000))") }
            if monotonicSeconds() > deadline {
                stop()
                throw ServerSetupError(description: "\(script) not ready in 30 s: \(log.text.suffix(3000))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        http.close()
    }

    var stderrText: String { stderrLog.text }

    func stop() {
        if process.isRunning {
            process.terminate()
            // SIGKILL if SIGTERM is ignored or blocked (signal masks are inherited from the test runner's thread).
            let deadline = monotonicSeconds() + 3
            while process.isRunning && monotonicSeconds() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        errors.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }

    /// GET a JSON document from the server.
    func json(_ path: String) throws -> JSONValue {
        let r = try HTTPClient(host: "127.0.0.1", port: port, timeout: 5).request("GET", path: path)
        return try JSONValue.parse(r.body)
    }
}

final class LockedBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) {
        lock.lock()
        data.append(d)
        lock.unlock()
    }
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A small real-physics environment: a two-joint arm in a Bullet world driven by the first two action values
/// (joint position targets); the state is the joint positions padded to `stateDimension`; camera images are
/// synthesised from the state and the tick so each observation differs.
final class ToyArmEnvironment: Environment {
    let world: World
    let actionDimension: Int
    let stateDimension: Int
    let cameras: [(name: String, width: Int, height: Int)]
    let controlRate = 15.0
    var instruction: String
    private var tickCount = 0

    init(actionDimension: Int, stateDimension: Int, cameras: [(String, Int, Int)], instruction: String = "raise the arm") throws {
        self.actionDimension = actionDimension
        self.stateDimension = stateDimension
        self.instruction = instruction
        self.cameras = cameras.map { (name: $0.0, width: $0.1, height: $0.2) }
        let link = { (name: String) in
            LinkSpec(
                name: name, inertial: Inertial(mass: 1, frame: Pose(position: SIMD3(0, 0, 0.1)), ixx: 0.01, iyy: 0.01, izz: 0.002),
                collision: [ShapePart(.capsule(radius: 0.02, halfHeight: 0.08), pose: Pose(position: SIMD3(0, 0, 0.1)))])
        }
        let spec = ArticulationSpec(
            name: "arm", base: Pose(position: SIMD3(0, 0, 0.8)),
            links: [LinkSpec(name: "base", inertial: Inertial(mass: 1, ixx: 0.01, iyy: 0.01, izz: 0.01)), link("a"), link("b")],
            joints: [
                JointSpec(name: "j1", kind: .revolute, parent: 0, child: 1, origin: .identity, axis: SIMD3(0, 1, 0), lower: -2, upper: 2, effort: 50),
                JointSpec(
                    name: "j2", kind: .revolute, parent: 1, child: 2, origin: Pose(position: SIMD3(0, 0, 0.2)), axis: SIMD3(0, 1, 0), lower: -2,
                    upper: 2, effort: 50),
            ])
        world = try World(scene: Scene(name: "remote"), articulations: [spec])
    }

    func reset(seed: UInt64) throws -> Observation {
        try world.reset()
        tickCount = 0
        return try observe()
    }

    func observe() throws -> Observation {
        let q = world.jointState(articulation: 0).jointPositions
        var state = q
        while state.count < stateDimension { state.append(0.05 * Double(state.count)) }
        let shift = Int((q[0] * 500).rounded()) & 0xFF
        let images = cameras.enumerated().map { k, c -> CameraImage in
            var px = [UInt8](repeating: 0, count: c.width * c.height * 3)
            for y in 0..<c.height {
                for x in 0..<c.width {
                    let o = (y * c.width + x) * 3
                    px[o] = UInt8((x * 3 + shift + tickCount * 13) & 0xFF)
                    px[o + 1] = UInt8((y * 5 + k * 40) & 0xFF)
                    px[o + 2] = UInt8(((x + y) / 2 + shift) & 0xFF)
                }
            }
            return CameraImage(name: c.name, rgb: RGBImage(width: c.width, height: c.height, pixels: px))
        }
        return Observation(images: images, state: Array(state.prefix(stateDimension)), instruction: instruction, time: world.time)
    }

    func step(_ action: [Double]) throws -> TickInfo {
        world.setJointTargets(articulation: 0, positions: Array(action.prefix(2)).map { min(max($0, -2), 2) }, positionGain: 0.02)
        try world.step(16)
        tickCount += 1
        let q = world.jointState(articulation: 0).jointPositions
        let tip = world.snapshot().bodies[world.articulations[0].linkBodies[2]].pose.position
        return TickInfo(time: world.time, success: false, stages: [], endEffector: tip, joints: q)
    }
}

/// Records every tick: the observation it saw, the action executed and the chunk's reasoning.
final class TickLog: EpisodeSubscriber {
    var observations: [Observation] = []
    var actions: [[Double]] = []
    var reasonings: [Reasoning?] = []
    func episodeDidReset(seed: UInt64, observation: Observation) {
        observations = []
        actions = []
        reasonings = []
    }
    func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
        observations.append(observation)
        actions.append(action)
        reasonings.append(reasoning)
    }
    func episodeDidEnd(_ result: EpisodeResult) {}
}

/// Per-channel (or overall, channel nil) mean of an image's bytes, as numpy computes it for uint8 data.
func mean(_ image: RGBImage, channel: Int?) -> Double {
    var sum = 0
    var n = 0
    for (i, v) in image.pixels.enumerated() where channel == nil || i % 3 == channel! {
        sum += Int(v)
        n += 1
    }
    return Double(sum) / Double(n)
}
