import ArgumentParser
import BenchtopReasoning
import BenchtopRemote
import Foundation

/// `benchtop molmoact parse ANSWER`: MolmoAct answers offline.
struct MolmoActCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "molmoact", abstract: "MolmoAct (v1) answers offline.", subcommands: [MolmoActParseCommand.self])
}

/// Parses a saved MolmoAct answer (a text file, `-` for standard input, or a `timeline/episode_NNN.jsonl` line's
/// `text`) exactly as the eval client does: depth codes, traces, action tokens, issues and the decoded actions.
struct MolmoActParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Parse a saved MolmoAct answer into depth codes, traces, actions and issues (JSON).")

    @Argument(
        help: "File holding the answer text, or - for standard input. A .jsonl file (an eval's timeline) is read line by line: each 'text' is parsed."
    )
    var file: String

    @Option(help: "Norm stats JSON (the checkpoint's config.json or dataset_statistics.json); without it actions stay normalised.")
    var normStats: String?

    @Option(help: "Key of the norm stats to un-normalise with.")
    var unnormKey: String?

    @Option(help: "Malformed actions: official (decode what can be decoded, as modeling_molmoact.py), zero-action or fail.")
    var onMalformed = "official"

    @Option(help: "Units of the deltas: auto (from the norm key: libero_* = robosuite-osc), metric or robosuite-osc.")
    var units = "auto"

    @Option(help: "Prompt the answer was given for (its expected shape): multi-view, single-image, steering-multi-view, steering-single-image.")
    var prompt = "multi-view"

    @Option(help: "Expected steps per answer (8 for LIBERO checkpoints); checked when given.")
    var steps: Int?

    @Option(help: "Qwen2's vocab.json, for the official decoding of strings that are not action tokens.")
    var vocab: String?

    func validate() throws {
        try FlagRules.check("--steps", steps, in: 1...1000)
        try FlagRules.onlyWhen(normStats != nil, [("--unnorm-key", unnormKey != nil)], "with --norm-stats FILE")
    }

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else { throw BenchtopError("\(file): cannot read the file") }
            data = d
        }
        guard let text = String(data: data, encoding: .utf8) else { throw BenchtopError("\(file): not UTF-8 text") }
        var answers: [(String, String)] = []
        if file.hasSuffix(".jsonl") {
            for (n, line) in text.split(separator: "\n").enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw BenchtopError("\(file): line \(n + 1) is not a JSON object")
                }
                if let t = object["text"] as? String { answers.append(("line \(n + 1)", t)) }
            }
            guard !answers.isEmpty else { throw BenchtopError("\(file): no line has a 'text' field (was the policy MolmoAct?)") }
        } else {
            answers = [("answer", text)]
        }
        let parser = try makeParser()
        let encoder = JSONSerialization.WritingOptions([.sortedKeys])
        for (label, answer) in answers {
            var object = try parser.parse(answer)
            if answers.count > 1 { object["source"] = label }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: encoder), as: UTF8.self))
        }
    }

    private func makeParser() throws -> MolmoActAnswerParser {
        guard let handling = MalformedOutputHandling(rawValue: onMalformed) else {
            throw BenchtopError("--on-malformed must be one of: \(MalformedOutputHandling.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let promptValue = MolmoActPrompt(rawValue: prompt) else {
            throw BenchtopError("--prompt must be one of: \(MolmoActPrompt.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var normalization: ActionNormalization?
        if let normStats {
            do { normalization = try ActionNormalization.load(path: normStats, unnormKey: unnormKey) } catch {
                throw BenchtopError("--norm-stats: \(error)")
            }
        } else if unnormKey != nil {
            throw BenchtopError("--unnorm-key needs --norm-stats FILE")
        }
        var unitsValue: ActionUnits?
        if units != "auto" {
            guard let u = ActionUnits(rawValue: units) else {
                throw BenchtopError("--units must be auto, \(ActionUnits.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            unitsValue = u
        }
        var vocabulary: Qwen2Vocabulary?
        if let vocab { do { vocabulary = try Qwen2Vocabulary.load(path: vocab) } catch { throw BenchtopError("--vocab: \(error)") } }
        return try MolmoActAnswerParser(
            handling: handling, prompt: promptValue, normalization: normalization, units: unitsValue,
            expectedSteps: steps, vocabulary: vocabulary)
    }
}
