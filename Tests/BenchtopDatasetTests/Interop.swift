import Foundation
import Testing

/// Runs Tests/BenchtopDatasetTests/interop.py (pyarrow / PyAV checks) and decodes its JSON answer.
/// Fails (never skips) when python3 or the packages are missing, saying what to install.
enum Interop {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("interop.py").path

    static func run(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw InteropError("cannot run python3 (install Python 3 and `pip install pyarrow av numpy`): \(error)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 { throw InteropError("python3 not found: install Python 3, then `pip install pyarrow av numpy`") }
            throw InteropError("interop.py \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): \(stderr)")
        }
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InteropError("interop.py printed no JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return json
    }

    /// Throws a clear error unless python3 with pyarrow, av and numpy is available.
    static func requireTools() throws { _ = try run(["check"]) }
}

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A fresh temporary directory for one test.
func temporaryDirectory(_ label: String) throws -> String {
    let dir = NSTemporaryDirectory() + "benchtop-dataset-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
