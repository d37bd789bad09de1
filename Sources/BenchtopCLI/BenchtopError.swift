/// A plain error message for the command line (printed as `Error: message`, without usage text).
struct BenchtopError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
