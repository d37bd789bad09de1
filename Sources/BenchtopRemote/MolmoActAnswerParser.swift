import BenchtopPolicy
import BenchtopReasoning
import Foundation

/// Parses saved MolmoAct answers offline through the same code as the eval client (`MolmoActPolicy.chunk`), for
/// `benchtop molmoact parse`.
public struct MolmoActAnswerParser {
    private let policy: MolmoActPolicy

    public init(
        handling: MalformedOutputHandling = .official, prompt: MolmoActPrompt = .multiView, normalization: ActionNormalization? = nil,
        units: ActionUnits? = nil, expectedSteps: Int? = nil, vocabulary: Qwen2Vocabulary? = nil
    ) throws {
        // The client never connects here: only its parsing is used.
        policy = try MolmoActPolicy(
            url: "http://127.0.0.1:8000", model: "offline", prompt: prompt, normalization: normalization,
            onMalformedOutput: handling, expectedSteps: expectedSteps, units: units)
        policy.vocabulary = vocabulary
        policy.maxReasoningTextBytes = Int.max
    }

    /// The answer as a JSON object: `depth_codes`, `traces` (with labels), `action_tokens`, `actions` (what the
    /// robot would run, in metres and radians), `issues` (field, detail), `recovered_errors` and `error` (with `fail`).
    public func parse(_ answer: String) throws -> [String: Any] {
        var object: [String: Any] = ["units": policy.units.rawValue, "on_malformed": policy.onMalformedOutput.rawValue]
        do {
            let chunk = try policy.chunk(fromAnswer: answer)
            object["actions"] = chunk.actions
        } catch {
            object["error"] = "\(error)"
        }
        let out = policy.lastOutput ?? MolmoActOutput()
        object["depth_codes"] = out.depthCodes.map { $0 as Any } ?? NSNull()
        object["traces"] = out.traces.map { ["label": $0.label.rawValue, "points": $0.points.map { [$0.x, $0.y] }] as [String: Any] }
        object["action_tokens"] = out.actionTokens
        object["issues"] = out.issues.map { ["field": $0.field, "detail": $0.detail] }
        object["recovered_errors"] = policy.takeRecoveredErrors().map(\.description)
        _ = policy.takeOutputWarnings()
        return object
    }
}
