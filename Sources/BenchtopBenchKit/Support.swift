import BenchtopScene

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
