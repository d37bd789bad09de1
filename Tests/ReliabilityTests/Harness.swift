import BenchtopTestSupport
import Foundation
import Testing

/// The repository root (scenes/, Tests/ fixtures), from this file's path.
let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The `benchtop` executable (BenchtopTestSupport: next to the test bundle, or BENCHTOP_BINARY to fuzz a release
/// build or a copy while the tree is rebuilt).
func benchtopExecutable() throws -> String { try BenchtopBinary.path() }

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How one run of the real binary ended.
enum Verdict: String, CaseIterable, Sendable {
    /// Non-zero exit with a message: the input was refused.
    case cleanError = "clean error"
    /// Exit 0.
    case accepted
    /// Killed by a signal it raised itself (a Swift trap, SIGSEGV, SIGABRT).
    case crash
    /// Still running at the time limit.
    case hang
    /// Resident memory above the limit.
    case memory
}

/// One finished run of `benchtop`.
struct BinaryRun: Sendable {
    var verdict: Verdict
    var status: Int32
    var output: String
    var seconds: Double
    var peakResidentBytes: Int
}

/// Runs `benchtop ARGS` in `directory` with a wall-clock limit and a resident-memory limit (polled from
/// /proc), classifying the end. Output is kept up to 1 MB.
func runBenchtop(
    _ args: [String], in directory: String = repositoryRoot, timeout: Double = 30,
    memoryLimit: Int = 2 << 30, environment: [String: String]? = nil
) throws -> BinaryRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try benchtopExecutable())
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    if let environment { p.environment = environment }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    p.standardInput = FileHandle.nullDevice
    let collected = OutputBuffer()
    pipe.fileHandleForReading.readabilityHandler = { h in collected.append(h.availableData) }
    let start = Date()
    try p.run()
    var killedFor: Verdict?
    var peak = 0
    while p.isRunning {
        let rss = residentBytes(pid: p.processIdentifier)
        peak = max(peak, rss)
        if rss > memoryLimit {
            killedFor = .memory
            kill(p.processIdentifier, SIGKILL)
            break
        }
        if Date().timeIntervalSince(start) > timeout {
            killedFor = .hang
            kill(p.processIdentifier, SIGKILL)
            break
        }
        usleep(10_000)
    }
    p.waitUntilExit()
    pipe.fileHandleForReading.readabilityHandler = nil
    collected.append(pipe.fileHandleForReading.readDataToEndOfFile())
    let seconds = Date().timeIntervalSince(start)
    let verdict: Verdict
    if let killedFor {
        verdict = killedFor
    } else if p.terminationReason == .uncaughtSignal {
        verdict = .crash
    } else {
        verdict = p.terminationStatus == 0 ? .accepted : .cleanError
    }
    return BinaryRun(verdict: verdict, status: p.terminationStatus, output: collected.text, seconds: seconds, peakResidentBytes: peak)
}

/// VmRSS of a process in bytes (0 when it is gone).
func residentBytes(pid: Int32) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
    return 0
}

final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) {
        lock.lock()
        defer { lock.unlock() }
        if data.count < 1 << 20 { data.append(d.prefix((1 << 20) - data.count)) }
    }
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A fresh temporary folder, removed by `remove()`.
struct Scratch {
    let path: String
    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "benchtop-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func write(_ name: String, _ text: String) throws { try text.write(toFile: file(name), atomically: true, encoding: .utf8) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The toy data-only plugin shipped with the conformance tests.
let toyPluginFolder = "\(repositoryRoot)/Tests/EmbodimentConformanceTests/Fixtures/toy_arm"

/// Copies the toy plugin into `scratch/name`; returns the folder.
func copyToyPlugin(into scratch: Scratch, as name: String = "plugin") throws -> String {
    let dir = scratch.file(name)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for f in ["embodiment.yaml", "toy_arm.urdf"] {
        try FileManager.default.copyItem(atPath: "\(toyPluginFolder)/\(f)", toPath: "\(dir)/\(f)")
    }
    return dir
}
