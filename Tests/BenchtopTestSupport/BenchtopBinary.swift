import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers shared by the test suites that run the real `benchtop` executable (as swift-nio keeps its test helpers in
/// one target): finding the binary, running it, temporary folders and a closed loopback port. They report, they do
/// not assert: each suite states what it expects with its own `#expect`.
public enum BenchtopBinary {
    /// The repository root (scenes/, Tests/ fixtures), from this file's path.
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The `benchtop` executable built next to the test bundle (the test targets depend on it, so it is built), or
    /// BENCHTOP_BINARY (to test a release build, or a copy while the tree is rebuilt).
    public static func path() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BENCHTOP_BINARY"] { return path }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("benchtop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw TestSupportError("cannot find the benchtop executable next to \(CommandLine.arguments[0]); build it with `swift build`")
    }

    /// Runs `benchtop ARGS` in `directory` (default: the repository root) and waits for it, at most `timeout`
    /// seconds: the exit status and stdout and stderr interleaved.
    public static func run(_ args: [String], in directory: String = repositoryRoot, timeout: TimeInterval = 600) throws -> (
        status: Int32, output: String
    ) {
        let result = try ChildProcess.run(try path(), args, directory: directory, timeout: timeout, interleaved: true)
        return (result.status, result.output + (result.timedOut ? "\n[ended after \(Int(timeout)) s]" : ""))
    }
}

/// A new, empty folder under the system's temporary directory, named `benchtop-LABEL-XXXXXXXX`.
public func makeTemporaryFolder(_ label: String) throws -> String {
    let dir = NSTemporaryDirectory() + "benchtop-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A loopback port nothing listens on: bound, then closed.
public func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestSupportError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A test set-up that failed (not a test's expectation).
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
