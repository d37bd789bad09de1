import Foundation

/// Runs a program to completion and returns its exit status and standard output (standard error is passed
/// through). Used by benchmarks to run peer programs (PyBullet, compilers) in the same session.
func runProcess(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The repository's bench/ folder holding the peer programs, found from the working directory.
func benchDirectory() throws -> String {
    let candidates = [ProcessInfo.processInfo.environment["BENCHTOP_ROOT"].map { "\($0)/bench" }, "bench"].compactMap { $0 }
    for c in candidates where FileManager.default.fileExists(atPath: "\(c)/raw_bullet.cpp") { return c }
    throw BenchError("cannot find bench/ (the peer programs); run from the repository root or set BENCHTOP_ROOT")
}

/// A plain error message for the command line (printed as `Error: message`, without usage text).
struct BenchtopError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs a peer benchmark script that prints its rate on its last line; nil when it fails or prints no number.
func peerRate(_ arguments: [String], environment: [String: String]? = nil) throws -> Double? {
    let result = try runProcess(arguments, environment: environment)
    guard result.status == 0 else { return nil }
    return Double(result.output.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")
}
