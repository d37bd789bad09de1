import BenchtopCore
import BenchtopImage
import BenchtopPolicy
import BenchtopReasoning
import Foundation

/// What a MolmoAct client does with an answer whose actions are malformed. Every malformed answer is counted
/// and reported, whatever the handling.
public enum MalformedOutputHandling: String, Sendable, CaseIterable {
    /// Decode what can be decoded, as the official parser does (`modeling_molmoact.py` `parse_action`): every
    /// bracketed group of 7 values anywhere in the answer, strings that are not action tokens to the lowest bin
    /// (Qwen2 vocabulary strings to the highest, given the vocabulary); a zero action with the last gripper when
    /// nothing decodes (Ai2's LIBERO evaluation).
    case official
    /// End the episode with the error.
    case fail
    /// Execute one zero action with the last gripper value instead of the whole answer.
    case zeroAction = "zero-action"
}

/// A MolmoAct (v1) client for an OpenAI-compatible chat-completions server (how vLLM serves it): the ordered
/// camera images (primary first, 256 x 256) as base64 PNG data URLs, the verbatim prompt, greedy decoding; the
/// answer is parsed into depth codes, traces and actions (un-normalised with the checkpoint's statistics).
public final class MolmoActPolicy: Policy, RecoveredErrorReporting {
    public let name: String
    public let endpoint: String
    public var model: String?
    public var prompt: MolmoActPrompt
    /// Action statistics; nil returns normalised actions.
    public var normalization: ActionNormalization?
    public var settings: RemoteSettings
    public var onMalformedOutput: MalformedOutputHandling
    /// The units of the checkpoint's deltas (default: those of its norm key's environment, `ActionUnits.forNormKey`).
    public var units: ActionUnits
    /// Qwen2's vocabulary, for the official decoding of non-action strings (optional; see `ActionTokenizer.officialValue`).
    public var vocabulary: Qwen2Vocabulary?
    /// Which Benchtop camera is image 1 (the primary view the depth and trace refer to) and image 2 (the wrist view).
    public var cameras = CameraSelection()
    /// The model text kept in each chunk's reasoning, bytes (the rest is cut, with a note of the full length).
    public var maxReasoningTextBytes = 16 * 1024
    /// Expected steps per answer (1 for Pretrain checkpoints, 8 for LIBERO ones); nil accepts any.
    public var expectedSteps: Int?
    /// Images sent (the primary first); 2 for multi-view prompts, 1 for single-image ones.
    public var maxImages: Int
    public var maxTokens = 512
    public var actionDimension = 7
    /// The trace drawn on image 1 for the steering prompts, in [0, 255] model coordinates.
    public var steeringTrace: [SIMD2<Double>] = []
    /// Every issue found in answers so far, by field (`depth`, `trace`, `action[2]`, ...).
    public private(set) var issueCounts: [String: Int] = [:]
    /// The last answer's parse.
    public private(set) var lastOutput: MolmoActOutput?
    private var recovered: [PolicyError] = []
    private var warnings: [PolicyError] = []
    private let link: ServerLink
    private var pendingSteering: [SIMD2<Double>]?
    private var lastGripper: Double?
    private let http: HTTPClient
    private let chatPath: String
    private let modelsPath: String

    /// `url` is the server's base (`http://host:port`), its `/v1`, or the full `/v1/chat/completions` address.
    public init(
        url: String, model: String? = nil, prompt: MolmoActPrompt = .multiView, normalization: ActionNormalization? = nil,
        settings: RemoteSettings = RemoteSettings(), onMalformedOutput: MalformedOutputHandling = .official, expectedSteps: Int? = nil,
        units: ActionUnits? = nil
    ) throws {
        let e = try Endpoint(url, defaultPort: 8000)
        guard e.scheme == "http" else { throw PolicySpecError("molmoact needs an http:// URL, got '\(url)'") }
        var base = e.path.hasSuffix("/") ? String(e.path.dropLast()) : e.path
        if base.hasSuffix("/chat/completions") { base = String(base.dropLast("/chat/completions".count)) }
        if !base.hasSuffix("/v1") { base += "/v1" }
        chatPath = base + "/chat/completions"
        modelsPath = base + "/models"
        self.endpoint = url
        self.model = model
        self.prompt = prompt
        self.normalization = normalization
        self.settings = settings
        self.onMalformedOutput = onMalformedOutput
        self.expectedSteps = expectedSteps
        self.units = units ?? ActionUnits.forNormKey(normalization?.key)
        self.maxImages = prompt == .multiView || prompt == .steeringMultiView ? 2 : 1
        self.http = HTTPClient(host: e.host, port: e.port, timeout: settings.timeout, maxResponseBytes: settings.maxResponseBytes)
        self.link = ServerLink(settings)
        self.name = "molmoact@\(e.host):\(e.port)"
    }

    private var server: String { "MolmoAct server \(endpoint)" }

    public func takeRecoveredErrors() -> [PolicyError] {
        defer { recovered = [] }
        return recovered
    }
    public func takeOutputWarnings() -> [PolicyError] {
        defer { warnings = [] }
        return warnings
    }

    /// Learns the served model's id (first call, unless given) and clears the episode's gripper memory.
    public func reset(instruction: String, seed: UInt64) throws {
        lastGripper = nil
        guard model == nil else { return }
        http.timeout = settings.timeout
        let r = try withRetries(settings, server: server, link: link) { try http.request("GET", path: modelsPath) }
        try checkStatus(r)
        guard let j = try? JSONValue.parse(r.body), let id = j["data"]?.array?.first?["id"]?.string else {
            throw PolicyError.server("\(server): GET \(modelsPath) listed no model; pass ?model=NAME")
        }
        model = id
    }

    /// The chat-completions request body for an observation.
    public func body(for o: Observation) throws -> [UInt8] {
        guard !o.images.isEmpty else { throw PolicyError.invalidAction("MolmoAct needs at least the primary camera image") }
        var content: [JSONValue] = []
        let slots = [CameraSlot("image_1", .primary), CameraSlot("image_2", .wrist, required: false)].prefix(maxImages)
        for (k, cam) in try cameras.images(for: Array(slots), in: o, client: "molmoact").map(\.image).enumerated() {
            // The model's trace coordinates refer to a 256 x 256 primary image.
            var image = k == 0 ? resized(cam.rgb, width: 256, height: 256) : cam.rgb
            if k == 0 && prompt.isSteering { SteeringOverlay.draw(steeringTrace, on: &image) }
            let png = PNG.encode(image, compressionLevel: 1)
            content.append(
                .object([
                    ("type", .string("image_url")),
                    ("image_url", .object([("url", .string("data:image/png;base64," + png.base64EncodedString()))])),
                ]))
        }
        content.append(.object([("type", .string("text")), ("text", .string(prompt.text(instruction: o.instruction)))]))
        return JSONValue.object([
            ("model", .string(model ?? "")),
            ("messages", .array([.object([("role", .string("user")), ("content", .array(content))])])),
            ("temperature", .number(0)),
            ("max_tokens", .number(Double(maxTokens))),
        ]).bytes
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        guard let trace = pendingSteering else { return try query(observation) }
        // One query with the steering prompt and the trace drawn on image 1, as the model was trained.
        pendingSteering = nil
        let saved = (prompt, steeringTrace)
        prompt = prompt.steering
        steeringTrace = trace
        defer { (prompt, steeringTrace) = saved }
        var chunk = try query(observation)
        if chunk.reasoning?.traces.isEmpty ?? true {
            chunk.reasoning = (chunk.reasoning ?? Reasoning())
            chunk.reasoning?.traces = [trace]
        }
        return chunk
    }

    private func query(_ observation: Observation) throws -> ActionChunk {
        let payload = try body(for: observation)
        let limit = link.queryTimeout
        http.timeout = limit
        let response = try withRetries(settings, server: server, link: link, limit: limit) { () throws -> HTTPResponse in
            let r = try http.request("POST", path: chatPath, body: payload)
            try checkStatus(r)
            return r
        }
        link.answered = true
        let json: JSONValue
        do { json = try JSONValue.parse(response.body) } catch { throw PolicyError.malformedOutput(field: "response", detail: "\(error)") }
        guard let text = json["choices"]?.array?.first?["message"]?["content"]?.string else {
            throw PolicyError.malformedOutput(field: "choices[0].message.content", detail: "missing from the server's answer")
        }
        return try chunk(fromAnswer: text)
    }

    /// Parses an answer into a chunk, applying the malformed-output handling and the checkpoint's units. Problems
    /// with the depth or trace are reported as warnings; an answer whose actions are malformed as a recovered error
    /// (or thrown, with `.fail`).
    public func chunk(fromAnswer text: String) throws -> ActionChunk {
        let out = MolmoActParser.parse(text, actionDimension: actionDimension, expectReasoning: prompt.expectsReasoning, expectedSteps: expectedSteps)
        lastOutput = out
        for issue in out.issues { issueCounts[issue.field.split(separator: "[").first.map(String.init) ?? issue.field, default: 0] += 1 }
        warnings += out.issues.filter { !$0.field.hasPrefix("action") }.map { PolicyError.malformedOutput(field: $0.field, detail: $0.detail) }
        let reasoning = Reasoning(depthTokens: out.depthCodes, traces: out.traces.map(\.points), text: Self.bounded(text, to: maxReasoningTextBytes))
        let actionIssue = out.actionIssues.first.map { PolicyError.malformedOutput(field: $0.field, detail: $0.detail) }
        var actions: [[Double]]
        switch onMalformedOutput {
        case .official:
            actions = MolmoActParser.officialActions(text, dimension: actionDimension, normalization: normalization, vocabulary: vocabulary)
            if let actionIssue { recovered.append(actionIssue) }
        case .fail, .zeroAction:
            do {
                actions = try MolmoActParser.actions(out, normalization: normalization)
            } catch {
                let e = PolicyError.malformedOutput(field: error.issue.field, detail: error.issue.detail)
                if onMalformedOutput == .fail { throw e }
                recovered.append(e)
                actions = []
            }
        }
        if actions.isEmpty {
            // Nothing decodable: one zero action with the last gripper (Ai2's LIBERO evaluation).
            if actionIssue == nil { recovered.append(.malformedOutput(field: "action", detail: "no action values")) }
            var zero = [Double](repeating: 0, count: actionDimension)
            zero[actionDimension - 1] = lastGripper ?? ActionTokenizer.binCentre(254)  // open until told otherwise
            return ActionChunk(actions: [zero], reasoning: reasoning)
        }
        lastGripper = actions.last?.last
        return ActionChunk(actions: actions.map(units.toMetric), reasoning: reasoning)
    }

    /// `text` cut to at most `limit` UTF-8 bytes (on a character boundary), with a note of the full length.
    static func bounded(_ text: String, to limit: Int) -> String {
        let count = text.utf8.count
        guard count > limit else { return text }
        var cut = text.utf8.prefix(limit)
        while !cut.isEmpty, String(cut) == nil { cut = cut.dropLast() }
        return (String(cut) ?? "") + " [... cut: \(count) bytes in all]"
    }
}

extension MolmoActPolicy: TraceFollowing {
    /// Sends `trace` with the steering prompt (the same views) on the next query only.
    public func follow(trace: [SIMD2<Double>]) { pendingSteering = trace }
}
