import BenchtopCore
import BenchtopPolicy
import Foundation

/// Why an evaluation's output folder cannot be used.
public struct EvalOutputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The output folder of an evaluation, kept so that no result is lost or mixed with another run's:
/// - a folder already in use is refused unless the user asks to overwrite it, and then emptied first (stale
///   videos, sheets and timelines of the earlier run would otherwise sit beside the new results); only folders
///   that hold Benchtop outputs are ever emptied;
/// - writability is checked before the first episode, not after the last;
/// - variant folders (one per perturbation) are single names inside it, never `..` or a path.
public struct EvalOutput: Sendable {
    /// Marks a folder as Benchtop's, so that `--overwrite` never empties anything else.
    public static let marker = ".benchtop-output"
    public let directory: String

    /// Makes `directory` ready: creates it, or refuses a used one unless `overwrite` (then empties it).
    public static func prepare(_ directory: String, overwrite: Bool) throws -> EvalOutput {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw EvalOutputError("--out \(directory): exists and is not a folder") }
            let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            if !entries.isEmpty {
                guard overwrite else {
                    throw EvalOutputError(
                        "--out \(directory): the folder is not empty (\(entries.count) entries); "
                            + "pass --overwrite to replace its results, or choose another folder")
                }
                let ours = entries.contains(marker) || entries.contains("results.json") || entries.contains("episodes.jsonl")
                guard ours else {
                    throw EvalOutputError(
                        "--out \(directory): the folder holds files that are not Benchtop results; "
                            + "refusing to empty it even with --overwrite")
                }
                for entry in entries {
                    do { try fm.removeItem(atPath: (directory as NSString).appendingPathComponent(entry)) } catch {
                        throw EvalOutputError(
                            "--out \(directory): cannot remove '\(Excerpt.of(entry))' of the earlier run: \(error.localizedDescription)")
                    }
                }
            }
        }
        let output = EvalOutput(directory: directory)
        try output.claim()
        return output
    }

    init(directory: String) { self.directory = directory }

    /// Creates the folder and writes the marker: proves the folder is writable before anything runs.
    func claim() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data("benchtop eval output\n".utf8).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(Self.marker)))
        } catch {
            throw EvalOutputError("--out \(directory): not writable (\(Self.reason(directory)))")
        }
    }

    /// Why `path` cannot be created or written, from its nearest existing ancestor (Foundation's own message
    /// is a bare "NSCocoaErrorDomain error 512").
    static func reason(_ path: String) -> String {
        let fm = FileManager.default
        var ancestor = path
        while !ancestor.isEmpty && ancestor != "/" && !fm.fileExists(atPath: ancestor) { ancestor = (ancestor as NSString).deletingLastPathComponent }
        if ancestor.isEmpty { ancestor = "." }
        var isDirectory: ObjCBool = false
        _ = fm.fileExists(atPath: ancestor, isDirectory: &isDirectory)
        if !isDirectory.boolValue { return "\(ancestor) is a file, not a folder" }
        if !fm.isWritableFile(atPath: ancestor) { return "no permission to write in \(ancestor)" }
        return "\(ancestor) refused the write (read-only file system or disk full?)"
    }

    /// The folder of one variant: `name` must be one plain folder name (not `.`, `..`, nor containing `/`).
    public func variant(_ name: String) throws -> EvalOutput {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw EvalOutputError("'\(Excerpt.of(name))' cannot name a folder inside --out \(directory)")
        }
        let child = EvalOutput(directory: (directory as NSString).appendingPathComponent(name))
        try child.claim()
        return child
    }
}

/// Records each episode the moment it ends: a line of `episodes.jsonl` (the results.json entry), flushed to
/// disk, and on SIGINT or SIGTERM a results.json with the episodes finished so far (then the process exits
/// with 128 + the signal). The normal end overwrites that results.json with the full report.
public final class EpisodeJournal: EpisodeSubscriber, @unchecked Sendable {
    public let directory: String
    private let lock = NSLock()
    private var results: [EpisodeResult] = []
    private var closed = false
    private let handle: FileHandle

    public init(output: EvalOutput) throws {
        directory = output.directory
        let path = (directory as NSString).appendingPathComponent("episodes.jsonl")
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw EvalOutputError("\(path): cannot create the episode log")
        }
        self.handle = handle
        EpisodeJournal.install(self)
    }

    deinit { try? handle.close() }

    public var finished: [EpisodeResult] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }

    public func episodeDidReset(seed: UInt64, observation: Observation) {}
    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {}

    public func episodeDidEnd(_ result: EpisodeResult) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }  // an interrupt is writing results.json: it holds what it holds
        let entry = EvaluationReport.episodeEntry(result, index: results.count)
        results.append(result)
        if let line = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) {
            handle.write(line + Data("\n".utf8))
            try? handle.synchronize()
        }
    }

    /// Writes results.json from the finished episodes (what an interrupted run leaves).
    public func writeInterrupted(signal name: String) throws {
        // Closed first: an episode ending while this runs must not land in the log without results.json.
        lock.lock()
        closed = true
        let done = results
        lock.unlock()
        let report = EvaluationReport(
            title: "interrupted by \(name) after \(done.count) episodes",
            settings: [("interrupted", "\(name) after \(done.count) finished episodes")],
            results: done, trajectories: [], videos: [])
        try report.resultsJSON().write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("results.json")))
    }

    // MARK: - Signals

    nonisolated(unsafe) private static var current: EpisodeJournal?
    private static let signalLock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The newest journal is the one an interrupt writes; the handlers are installed once per process.
    private static func install(_ journal: EpisodeJournal) {
        signalLock.lock()
        defer { signalLock.unlock() }
        current = journal
        guard sources.isEmpty else { return }
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead of killing the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                signalLock.lock()
                let journal = current
                signalLock.unlock()
                if let journal {
                    do {
                        try journal.writeInterrupted(signal: name)
                        FileHandle.standardError.write(
                            Data("\n\(name): wrote \(journal.directory)/results.json with \(journal.finished.count) finished episodes\n".utf8))
                    } catch {
                        FileHandle.standardError.write(Data("\n\(name): could not write results.json: \(error)\n".utf8))
                    }
                }
                exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
