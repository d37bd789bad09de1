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
public func median(_ v: [Double]) -> Double {
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

/// A duration in milliseconds.
public func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
}

/// CPU time of the calling thread so far, ms (robust to other load on a shared machine, unlike wall time).
public func threadCPUms() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) * 1e-6
}

/// The CPU's model name from /proc/cpuinfo, for the machine line of a benchmark.
public func cpuName() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
        let colon = line.firstIndex(of: ":")
    else { return "unknown CPU" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}
