import ArgumentParser
import BenchtopDataset
import BenchtopRecording
import Foundation

/// `benchtop dataset merge A B ... --out M`: one dataset from shards of one recording job, in the order given.
struct DatasetMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge datasets (shards of one recording) into one LeRobot dataset.",
        discussion: """
            Episodes are renumbered in the order the inputs are given, global frame indices continue, tasks are merged in
            first-seen order and statistics are recomputed. Benchtop recordings (meta/benchtop.json) also get their replay
            states and the MolmoAct companion (OUT_molmoact) merged; they must come from the same scene, robot, mode and
            settings and hold disjoint seeds. Shards recorded with `benchtop record --seed S_k --attempts N_k` over
            consecutive seed ranges merge into the recording `--seed S_1 --attempts (N_1 + ... + N_n)` would make.
            """)

    @Argument(help: "Input dataset folders, in episode order.")
    var inputs: [String]

    @Option(help: "Output dataset folder (must not exist or be empty).")
    var out: String

    @Flag(
        name: .customLong("allow-outside-root"),
        help: "Let an input's metadata name files outside its own folder ('..', absolute paths, links leading out).")
    var allowOutsideRoot = false

    func run() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one input dataset") }
        let recordings = inputs.filter(RecordingMerge.isRecording)
        guard recordings.isEmpty || recordings.count == inputs.count else {
            throw BenchtopError("some inputs are Benchtop recordings (meta/benchtop.json) and some are not: \(recordings.joined(separator: ", "))")
        }
        let summary =
            recordings.isEmpty
            ? try DatasetMerge.merge(inputs, into: out, allowsOutsideRoot: allowOutsideRoot)
            : try RecordingMerge.merge(inputs, into: out, allowsOutsideRoot: allowOutsideRoot)
        let companion = recordings.isEmpty ? "" : " and the MolmoAct companion to \(DemoRecorder.companionPath(root: out))"
        print(
            "merged \(inputs.count) datasets: \(summary.episodes) episodes, \(summary.frames) frames, \(summary.tasks.count) tasks to \(out)\(companion)"
        )
    }
}
