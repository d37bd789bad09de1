import BenchtopScene
import Foundation

/// A plain error message for the command line (printed as `Error: message`, without usage text).
struct BenchKitError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Loads a scene (a file, or a name under scenes/), turning validation errors into a clean failure.
func loadScene(_ path: String) throws -> Scene {
    do {
        return try SceneLoader.load(path: path)
    } catch let e as SceneError {
        throw BenchKitError(e.description)
    }
}

/// Median of a non-empty list.
func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The Python of a cached venv made by scripts/setup.sh (under $XDG_CACHE_HOME or ~/.cache, `benchtop/NAME`), if present.
public func cachedVenvPython(_ name: String) -> String? {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["XDG_CACHE_HOME"] ?? "\(environment["HOME"] ?? "/root")/.cache"
    let python = "\(cache)/benchtop/\(name)/bin/python"
    return FileManager.default.isExecutableFile(atPath: python) ? python : nil
}
