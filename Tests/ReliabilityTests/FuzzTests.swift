import Foundation
import Testing

/// The project's own fuzz suite: seeded mutants of every input kind run through the real binary with a time
/// and a memory limit, each classified as clean error, accepted, crash, hang or memory blow-up. Any crash,
/// hang or blow-up fails; so does an error that echoes the input at length or a file outside the plugin.
///
/// `make test` runs the bounded default (310 cases). The long run:
/// `BENCHTOP_FUZZ_CASES=2000 BENCHTOP_FUZZ_SEED=1 swift test --skip-build --filter FuzzTests`
/// (cases per kind; the summary table is printed, and written to BENCHTOP_FUZZ_REPORT if set).
@Suite struct FuzzTests {
    static let defaultCases: [InputKind: Int] = [.scene: 70, .urdf: 60, .manifest: 60, .perturbation: 50, .sweep: 40, .commandLine: 30]

    struct Outcome: Sendable {
        var fuzzCase: FuzzCase
        var run: BinaryRun
    }

    static func runCase(_ c: FuzzCase) throws -> Outcome {
        let scratch = try Scratch("fuzz")
        defer { scratch.remove() }
        for (name, data) in c.files {
            let path = scratch.file(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
        let timeout: Double = c.kind == .commandLine ? 120 : 30
        return Outcome(fuzzCase: c, run: try runBenchtop(c.arguments(in: scratch.path), timeout: timeout, memoryLimit: 1 << 30))
    }

    @Test func mutatedInputsNeverCrashHangOrBlowUp() throws {
        let environment = ProcessInfo.processInfo.environment
        let perKind = environment["BENCHTOP_FUZZ_CASES"].flatMap(Int.init)
        let baseSeed = environment["BENCHTOP_FUZZ_SEED"].flatMap(UInt64.init) ?? 0
        var cases: [FuzzCase] = []
        for kind in InputKind.allCases {
            for k in 0..<(perKind ?? Self.defaultCases[kind]!) { cases.append(Mutators.make(kind, seed: baseSeed &* 1_000_003 &+ UInt64(k))) }
        }
        let results = ResultBox(count: cases.count)
        let started = Date()
        // Two cases at a time: one per core of the CI machine.
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 2
        for (i, c) in cases.enumerated() {
            queue.addOperation {
                results.set(i, Result { try Self.runCase(c) })
            }
        }
        queue.waitUntilAllOperationsAreFinished()
        let wall = Date().timeIntervalSince(started)

        var table: [InputKind: [Verdict: Int]] = [:]
        var slowest: [InputKind: Double] = [:]
        var peak: [InputKind: Int] = [:]
        for case .success(let o) in results.all {
            let k = o.fuzzCase.kind
            table[k, default: [:]][o.run.verdict, default: 0] += 1
            slowest[k] = max(slowest[k] ?? 0, o.run.seconds)
            peak[k] = max(peak[k] ?? 0, o.run.peakResidentBytes)
            let label =
                "\(k.rawValue) seed \(o.fuzzCase.seed) [\(o.fuzzCase.mutations.joined(separator: "; "))]: \(o.fuzzCase.arguments.joined(separator: " "))"
            #expect(![.crash, .hang, .memory].contains(o.run.verdict), "\(o.run.verdict.rawValue): \(label)\n\(o.run.output.suffix(600))")
            #expect(!o.run.output.contains("FUZZ-SECRET"), "a file outside the plugin was echoed: \(label)")
            if o.run.verdict == .cleanError && k != .commandLine {
                #expect(o.run.output.count < 2000, "a \(o.run.output.count)-character error: \(label)\n\(o.run.output.prefix(300))")
            }
        }
        for case .failure(let e) in results.all { Issue.record("harness failure: \(e)") }

        var report =
            "| input | cases | clean error | accepted | crash | hang | memory | slowest s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for kind in InputKind.allCases {
            let t = table[kind] ?? [:]
            let n = t.values.reduce(0, +)
            report +=
                "| \(kind.rawValue) | \(n) | " + Verdict.allCases.map { "\(t[$0] ?? 0)" }.joined(separator: " | ")
                + String(format: " | %.1f | %d |\n", slowest[kind] ?? 0, (peak[kind] ?? 0) >> 20)
        }
        report += String(format: "\n%d cases, seed %llu, %.0f s wall\n", cases.count, baseSeed, wall)
        print(report)
        if let path = environment["BENCHTOP_FUZZ_REPORT"] { try report.write(toFile: path, atomically: true, encoding: .utf8) }
    }

    @Test func mutatorsAreDeterministic() {
        for kind in InputKind.allCases {
            let a = Mutators.make(kind, seed: 42)
            let b = Mutators.make(kind, seed: 42)
            let c = Mutators.make(kind, seed: 43)
            #expect(a.files == b.files && a.arguments == b.arguments && a.mutations == b.mutations)
            #expect(a.files != c.files || a.arguments != c.arguments || a.mutations != c.mutations)
        }
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<FuzzTests.Outcome, Error>?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<FuzzTests.Outcome, Error>) {
        lock.lock()
        items[i] = r
        lock.unlock()
    }
    var all: [Result<FuzzTests.Outcome, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return items.compactMap { $0 }
    }
}
