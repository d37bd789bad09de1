import BenchtopTestSupport
import Foundation
import Testing

/// Runs Tests/BenchtopDatasetTests/interop.py (pyarrow / PyAV checks) and decodes its JSON answer.
/// Fails (never skips) when python3 or the packages are missing, saying what to install.
enum Interop {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("interop.py").path

    static func run(_ arguments: [String]) throws -> [String: Any] {
        let r: ChildResult
        do { r = try ChildProcess.run("/usr/bin/env", ["python3", script] + arguments, timeout: 300) } catch {
            throw InteropError("cannot run python3 (install Python 3 and `pip install pyarrow av numpy`): \(error)")
        }
        guard r.status == 0 else {
            if r.status == 127 { throw InteropError("python3 not found: install Python 3, then `pip install pyarrow av numpy`") }
            throw InteropError("interop.py \(arguments.joined(separator: " ")) failed (status \(r.status)): \(r.stderr.suffix(4000))")
        }
        guard let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw InteropError("interop.py printed no JSON object: \(r.stdout.prefix(2000))")
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
