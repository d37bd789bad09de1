import ArgumentParser
import Foundation

/// `benchtop bench ...`: runs the `benchtop-bench` executable built next to this one, with the same arguments,
/// so the benchmarks stay reachable as the README documents while living in their own target.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run benchmarks: physics, render, loop, depth, record, policy-client, arm (the benchtop-bench program).")

    @Argument(parsing: .captureForPassthrough, help: "Benchmark and its options (see `benchtop bench --help`).")
    var arguments: [String] = []

    func run() throws {
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let sibling = own.deletingLastPathComponent().appendingPathComponent("benchtop-bench").path
        guard FileManager.default.isExecutableFile(atPath: sibling) else {
            throw BenchtopError("\(sibling) not found: build the benchmarks with `swift build -c release --product benchtop-bench` (or `make build`)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sibling)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}
