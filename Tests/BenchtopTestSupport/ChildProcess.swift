import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a child process left behind: its exit status (negative: the signal that ended it), its output, and whether
/// the deadline ended it.
public struct ChildResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    /// stdout then stderr, for messages and `contains` checks.
    public var output: String { stdout + stderr }
}

/// Every program a test starts goes through here, so that none can hang the run: stdin is /dev/null (CI's stdin
/// may be a pipe that never closes), stdout and stderr go to files (neither can fill up and block the child), and a
/// child still running at its deadline gets SIGTERM, then SIGKILL 3 s later, and comes back with `timedOut`.
public enum ChildProcess {
    /// A process set up as `run` sets it up, for tests that talk to it while it runs; pair with `finish`. The child
    /// sees this process's environment with `environment` laid over it and the `unset` names removed.
    public static func make(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
        directory: String? = nil
    ) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        for name in unset { inherited[name] = nil }
        process.environment = inherited
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// Runs a program to its end or its deadline (seconds). `interleaved`: stderr goes into stdout, in order.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
        directory: String? = nil, timeout: TimeInterval = 600, interleaved: Bool = false
    ) throws -> ChildResult {
        let process = make(executable, arguments, environment: environment, unset: unset, directory: directory)
        let stem = NSTemporaryDirectory() + "benchtop-child-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: stem + ".out", contents: nil)
        FileManager.default.createFile(atPath: stem + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: stem + ".out")
            try? FileManager.default.removeItem(atPath: stem + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".err"))
        process.standardOutput = out
        process.standardError = interleaved ? out : err
        try process.run()
        let timedOut = finish(process, timeout: timeout)
        try? out.close()
        try? err.close()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return ChildResult(status: status(of: process), stdout: read(stem + ".out"), stderr: read(stem + ".err"), timedOut: timedOut)
    }

    /// Waits up to `timeout` seconds for a started process, then ends it (SIGTERM, SIGKILL 3 s later). True when
    /// the deadline ended it.
    @discardableResult
    public static func finish(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return false }
        stop(process)
        return true
    }

    /// Ends a started process now: SIGTERM, then SIGKILL if it is still there 3 s later; waits for it.
    public static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The exit status, or minus the signal that ended the process.
    public static func status(of process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }
}

/// Where pip installed pybullet_data (pybullet==3.2.7, `scripts/setup.sh --test`), asked from python3; the tests
/// that load it fail, never skip, when it is missing.
public func pybulletDataPath() throws -> String {
    let r = try ChildProcess.run("/usr/bin/env", ["python3", "-c", "import pybullet_data; print(pybullet_data.getDataPath())"], timeout: 120)
    let path = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard r.status == 0, FileManager.default.fileExists(atPath: path + "/duck.obj") else {
        throw TestSupportError("pybullet_data is missing: run scripts/setup.sh --test (pip install pybullet==3.2.7)")
    }
    return path
}
