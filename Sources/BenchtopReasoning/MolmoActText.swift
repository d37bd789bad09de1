import BenchtopCore
import Foundation

/// MolmoAct v1's prompt templates (molmoact.md section 2, verbatim).
public enum MolmoActPrompt: String, Sendable, CaseIterable {
    /// (a) depth, trace and action from several camera views (LIBERO, fine-tuned checkpoints).
    case multiView = "multi-view"
    /// (b) one image (the Pretrain checkpoints in SimplerEnv).
    case singleImage = "single-image"
    /// (c) steering: a trace drawn on the first image, several views; the answer holds actions only.
    case steeringMultiView = "steering-multi-view"
    /// (d) steering with one image.
    case steeringSingleImage = "steering-single-image"

    /// Whether the answer carries depth and trace before the action.
    public var expectsReasoning: Bool { self == .multiView || self == .singleImage }
    public var isSteering: Bool { !expectsReasoning }
    /// The steering prompt with the same views.
    public var steering: MolmoActPrompt {
        switch self {
        case .multiView, .steeringMultiView: .steeringMultiView
        case .singleImage, .steeringSingleImage: .steeringSingleImage
        }
    }

    /// The user turn for an instruction.
    public func text(instruction: String) -> String {
        let i = instruction
        switch self {
        case .multiView:
            return
                "The task is \(i). What is the action that the robot should take. To figure out the action that the robot should take to \(i), let's think through it step by step. First, what is the depth map for the first image? Second, what is the trajectory of the end effector in the first image? Based on the depth map of the first image and the trajectory of the end effector in the first image, along with other images from different camera views as additional information, what is the action that the robot should take?"
        case .singleImage:
            return
                "The task is \(i). What is the action that the robot should take. To figure out the action that the robot should take to \(i), let's think through it step by step. First, what is the depth map for this image? Second, what is the trajectory of the end effector? Based on the depth map of the image and the trajectory of the end effector, what is the action that the robot should take?"
        case .steeringMultiView:
            return
                "The task is \(i). Notice that the trajectory of the end effector is annotated on the first image. Based on the trajectory annotated on the image, along with other images from different camera views as additional information, what is the action that the robot should take?"
        case .steeringSingleImage:
            return
                "The task is \(i). Notice that the trajectory of the end effector is annotated on the image. Based on the trajectory annotated on the image, what is the action that the robot should take?"
        }
    }
}

/// One problem found in a model answer, by field (`depth`, `trace`, `action`).
public struct MolmoActIssue: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var detail: String
    public init(field: String, detail: String) {
        self.field = field
        self.detail = detail
    }
    public var description: String { "\(field): \(detail)" }
}

/// Which arm a trace belongs to, as the answer names it.
public enum TraceLabel: String, Sendable, Equatable {
    /// "the end effector (in the first image)".
    case single
    case left
    case right
}

/// The parts of a MolmoAct answer. Parsing never fails: what is missing or wrong is listed in `issues`.
public struct MolmoActOutput: Sendable, Equatable {
    /// Depth codes as emitted (normally 100 in 0 ..< 128).
    public var depthCodes: [Int]?
    /// Traces in the order they appear, with their labels; points in [0, 256) model coordinates of image 1.
    public var traces: [(label: TraceLabel, points: [SIMD2<Double>])]
    /// Action token strings, one list per step.
    public var actionTokens: [[String]]
    public var issues: [MolmoActIssue]

    public init(
        depthCodes: [Int]? = nil, traces: [(label: TraceLabel, points: [SIMD2<Double>])] = [], actionTokens: [[String]] = [],
        issues: [MolmoActIssue] = []
    ) {
        self.depthCodes = depthCodes
        self.traces = traces
        self.actionTokens = actionTokens
        self.issues = issues
    }

    public static func == (a: MolmoActOutput, b: MolmoActOutput) -> Bool {
        a.depthCodes == b.depthCodes && a.actionTokens == b.actionTokens && a.issues == b.issues
            && a.traces.map(\.label) == b.traces.map(\.label) && a.traces.map(\.points) == b.traces.map(\.points)
    }

    /// Issues that make the actions unusable.
    public var actionIssues: [MolmoActIssue] { issues.filter { $0.field.hasPrefix("action") } }
}

/// Parses MolmoAct v1 answers (molmoact.md section 4): depth string, visual traces in all three phrasings,
/// and action token groups.
public enum MolmoActParser {
    /// Parses `text`. `expectReasoning` makes a missing depth or trace an issue; `expectedSteps` (1 or 8, nil for
    /// any) checks the chunk length.
    public static func parse(_ text: String, actionDimension: Int = 7, expectReasoning: Bool = true, expectedSteps: Int? = nil) -> MolmoActOutput {
        var out = MolmoActOutput()
        let s = Array(text.unicodeScalars)
        parseDepth(s, into: &out, required: expectReasoning)
        parseTraces(s, into: &out, required: expectReasoning)
        parseActions(s, into: &out, dimension: actionDimension, expectedSteps: expectedSteps)
        return out
    }

    // MARK: depth

    private static func parseDepth(_ s: [Unicode.Scalar], into out: inout MolmoActOutput, required: Bool) {
        guard let start = find(s, "<DEPTH_START>") else {
            if required { out.issues.append(MolmoActIssue(field: "depth", detail: "missing <DEPTH_START>...<DEPTH_END>")) }
            return
        }
        let bodyStart = start + "<DEPTH_START>".unicodeScalars.count
        guard let end = find(s, "<DEPTH_END>", from: bodyStart) else {
            out.issues.append(MolmoActIssue(field: "depth", detail: "<DEPTH_START> at offset \(start) has no <DEPTH_END>"))
            return
        }
        // The shared depth grammar: a wrong count is padded or trimmed to 100, and reported on the field.
        let block = String(String.UnicodeScalarView(s[start..<(end + "<DEPTH_END>".unicodeScalars.count)]))
        do {
            let parsed = try DepthTokens.parse(block)
            out.depthCodes = parsed.tokens.codes
            for warning in parsed.warnings { out.issues.append(MolmoActIssue(field: "depth", detail: warning)) }
        } catch let e as DepthTokenError {
            out.issues.append(MolmoActIssue(field: "depth", detail: "character \(start + e.offset): \(e.message)"))
        } catch {
            out.issues.append(MolmoActIssue(field: "depth", detail: "\(error)"))
        }
    }

    // MARK: traces

    private static let tracePhrases: [(String, TraceLabel)] = [
        ("trajectory of the left end effector", .left),
        ("trajectory of the right end effector", .right),
        ("trajectory of the end effector", .single),
    ]

    private static func parseTraces(_ s: [Unicode.Scalar], into out: inout MolmoActOutput, required: Bool) {
        var found: [(Int, TraceLabel)] = []
        for (phrase, label) in tracePhrases {
            var from = 0
            while let at = find(s, phrase, from: from) {
                found.append((at, label))
                from = at + 1
            }
        }
        found.sort { $0.0 < $1.0 }
        if found.isEmpty {
            if required {
                out.issues.append(MolmoActIssue(field: "trace", detail: "missing 'The trajectory of the end effector ... is [[x,y],...]'"))
            }
            return
        }
        for (at, label) in found {
            let field = label == .single ? "trace" : "trace.\(label.rawValue)"
            // The list follows "... is " (after an optional "in the first image"); other mentions of the phrase
            // (the steering answer's "annotated trajectory of the end effector,") carry no trace.
            var i = at + phraseLength(label)
            for tail in [" in the first image", " is "] where hasPrefix(s, tail, at: i) { i += tail.unicodeScalars.count }
            guard hasPrefix(s, " is ", at: i - 4) else { continue }
            while i < s.count && s[i] == " " { i += 1 }
            guard i < s.count, s[i] == "[" else {
                out.issues.append(MolmoActIssue(field: field, detail: "no [[x,y],...] list after the phrase at offset \(at)"))
                continue
            }
            let open = i
            guard let close = matchingBracket(s, open) else {
                out.issues.append(MolmoActIssue(field: field, detail: "unterminated '[' at offset \(open)"))
                continue
            }
            switch parsePoints(String(String.UnicodeScalarView(s[(open + 1)..<close]))) {
            case .success(let points):
                if let bad = points.firstIndex(where: { !(0..<256).contains($0.x) || !(0..<256).contains($0.y) }) {
                    out.issues.append(MolmoActIssue(field: field, detail: "point \(bad) (\(points[bad].x), \(points[bad].y)) is outside [0, 256)"))
                }
                if points.count > 5 {
                    out.issues.append(MolmoActIssue(field: field, detail: "\(points.count) points, expected at most 5"))
                }
                out.traces.append((label, points))
            case .failure(let e):
                out.issues.append(MolmoActIssue(field: field, detail: e.message + " at offset \(open)"))
            }
        }
    }

    /// Parses `[x,y],[x,y]` (the inside of the outer brackets).
    private static func parsePoints(_ inner: String) -> Result<[SIMD2<Double>], ParseFailure> {
        var points: [SIMD2<Double>] = []
        let t = Array(inner.unicodeScalars)
        var i = 0
        while i < t.count {
            if t[i] == " " || t[i] == "," {
                i += 1
                continue
            }
            guard t[i] == "[" else { return .failure(ParseFailure(message: "expected '[' starting point \(points.count)")) }
            guard let close = t[i...].firstIndex(of: "]") else { return .failure(ParseFailure(message: "point \(points.count) has no ']'")) }
            let parts = String(String.UnicodeScalarView(t[(i + 1)..<close])).split(separator: ",", omittingEmptySubsequences: false)
            let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, values.count == 2 else {
                return .failure(ParseFailure(message: "point \(points.count) is not two numbers"))
            }
            points.append(SIMD2(values[0], values[1]))
            i = close + 1
        }
        return .success(points)
    }

    // MARK: actions

    private static let tokenTrim = CharacterSet(charactersIn: " \t\n\"'")

    private static func parseActions(_ s: [Unicode.Scalar], into out: inout MolmoActOutput, dimension: Int, expectedSteps: Int?) {
        let phrase = "the robot should take is"
        var searchFrom = 0
        var anchor: Int?
        while let at = find(s, phrase, from: searchFrom) {
            anchor = at
            searchFrom = at + 1
        }
        guard let anchor else {
            out.issues.append(MolmoActIssue(field: "action", detail: "missing 'the action that the robot should take is [...]'"))
            return
        }
        guard let open = s[anchor...].firstIndex(of: "[") else {
            out.issues.append(MolmoActIssue(field: "action", detail: "no '[' after 'should take is' at offset \(anchor)"))
            return
        }
        let close = matchingBracket(s, open)
        if close == nil {
            out.issues.append(MolmoActIssue(field: "action", detail: "unterminated '[' at offset \(open) (output cut off?)"))
        }
        let body = s[(open + 1)..<(close ?? s.count)]
        var groups: [String] = []
        if body.contains("[") {
            // A chunk: complete inner groups only.
            var i = body.startIndex
            while let o = body[i...].firstIndex(of: "[") {
                guard let c = body[o...].firstIndex(of: "]") else { break }
                groups.append(String(String.UnicodeScalarView(body[(o + 1)..<c])))
                i = c + 1
            }
        } else if close != nil {
            groups = [String(String.UnicodeScalarView(body))]
        }
        for (k, g) in groups.enumerated() {
            let field = "action[\(k)]"
            let tokens = g.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: tokenTrim)
            }
            if tokens.count != dimension {
                out.issues.append(MolmoActIssue(field: field, detail: "\(tokens.count) values, expected \(dimension)"))
            } else if let bad = tokens.firstIndex(where: { ActionTokenizer.tokenID($0) == nil }) {
                out.issues.append(MolmoActIssue(field: "\(field)[\(bad)]", detail: "'\(tokens[bad])' is not an action token"))
            }
            out.actionTokens.append(tokens)
        }
        if groups.isEmpty && close != nil {
            out.issues.append(MolmoActIssue(field: "action", detail: "no action values"))
        }
        if let expectedSteps, !groups.isEmpty, groups.count != expectedSteps {
            out.issues.append(MolmoActIssue(field: "action", detail: "\(groups.count) steps, expected \(expectedSteps)"))
        }
    }

    /// The action token lists as the official parser finds them (`modeling_molmoact.py` `extract_action_token_lists`):
    /// every non-nested `[...]` group anywhere in the text, split on `,`, each part stripped of whitespace and then of
    /// `"` and `'`; kept when it has exactly `dimension` parts, not all numbers, and at least one non-ASCII character.
    public static func officialActionTokenLists(_ text: String, dimension: Int) -> [[String]] {
        var lists: [[String]] = []
        let ns = text as NSString
        for m in groupPattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let inner = ns.substring(with: m.range(at: 1))
            let parts = inner.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            }
            guard parts.count == dimension else { continue }
            if parts.allSatisfy(isOfficialNumber) { continue }
            guard parts.contains(where: { $0.unicodeScalars.contains { $0.value > 127 } }) else { continue }
            lists.append(parts)
        }
        return lists
    }

    /// Actions decoded as the official parser does: the `officialActionTokenLists`, each value by
    /// `ActionTokenizer.officialValue` (unknown strings to the lowest bin), un-normalised.
    public static func officialActions(
        _ text: String, dimension: Int, normalization: ActionNormalization?,
        vocabulary: Qwen2Vocabulary? = nil
    ) -> [[Double]] {
        officialActionTokenLists(text, dimension: dimension).map { tokens in
            ActionTokenizer.unnormalize(tokens.map { ActionTokenizer.officialValue($0, vocabulary: vocabulary) }, normalization: normalization)
        }
    }

    private static let groupPattern = try! NSRegularExpression(pattern: #"\[([^\[\]]+)\]"#)
    private static let numberPattern = try! NSRegularExpression(pattern: #"^[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$"#)

    private static func isOfficialNumber(_ s: String) -> Bool {
        numberPattern.firstMatch(in: s, range: NSRange(location: 0, length: (s as NSString).length)) != nil
    }

    /// Decodes the parsed tokens into actions; throws the first action issue (with its field) if there is one.
    public static func actions(_ output: MolmoActOutput, normalization: ActionNormalization?) throws(MolmoActIssueError) -> [[Double]] {
        if let first = output.actionIssues.first { throw MolmoActIssueError(issue: first) }
        do {
            return try output.actionTokens.enumerated().map { k, t in try ActionTokenizer.decode(t, normalization: normalization, step: k) }
        } catch let e as ActionTokenError {
            throw MolmoActIssueError(issue: MolmoActIssue(field: "action[\(e.step)][\(e.index)]", detail: e.description))
        } catch {
            throw MolmoActIssueError(issue: MolmoActIssue(field: "action", detail: "\(error)"))
        }
    }

    // MARK: scanning helpers

    private static func phraseLength(_ label: TraceLabel) -> Int {
        tracePhrases.first { $0.1 == label }!.0.unicodeScalars.count
    }

    private static func hasPrefix(_ s: [Unicode.Scalar], _ p: String, at i: Int) -> Bool {
        let n = Array(p.unicodeScalars)
        guard i >= 0, i + n.count <= s.count else { return false }
        return Array(s[i..<(i + n.count)]) == n
    }

    private static func find(_ s: [Unicode.Scalar], _ needle: String, from: Int = 0) -> Int? {
        let n = Array(needle.unicodeScalars)
        guard !n.isEmpty, s.count >= n.count, from <= s.count - n.count else { return nil }
        var i = from
        while i <= s.count - n.count {
            if s[i] == n[0] {
                var j = 1
                while j < n.count && s[i + j] == n[j] { j += 1 }
                if j == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    private static func matchingBracket(_ s: [Unicode.Scalar], _ open: Int) -> Int? {
        var depth = 0
        for i in open..<s.count {
            if s[i] == "[" {
                depth += 1
            } else if s[i] == "]" {
                depth -= 1
                if depth == 0 { return i }
            }
        }
        return nil
    }
}

/// An action issue thrown by `MolmoActParser.actions`.
public struct MolmoActIssueError: Error, CustomStringConvertible {
    public var issue: MolmoActIssue
    public var description: String { issue.description }
}

struct ParseFailure: Error { var message: String }

/// Minimal reader for the inside of a v1 depth string (`<DEPTH_k>` codes). The depth module owns the full depth
/// grammar; this only turns the codes into integers for the chunk's reasoning.
/// The steering overlay (molmoact.md section 10): a trace drawn on image 1 in cyan, 2 px wide, anti-aliased.
public enum SteeringOverlay {
    public static let color: (UInt8, UInt8, UInt8) = (0, 255, 255)

    /// Draws `points` (in [0, 255] model coordinates) joined by line segments; nothing for fewer than 2 points.
    /// Points are scaled by (w-1)/255, (h-1)/255, rounded and clipped, as the training renderer does.
    public static func draw(_ points: [SIMD2<Double>], on image: inout RGBImage, thickness: Double = 2) {
        guard points.count >= 2 else { return }
        let w = image.width
        let h = image.height
        let px = points.map { p in
            SIMD2(
                min(max((p.x * Double(w - 1) / 255).rounded(), 0), Double(w - 1)),
                min(max((p.y * Double(h - 1) / 255).rounded(), 0), Double(h - 1)))
        }
        let r = thickness / 2
        // Coverage per pixel: max over segments of a 1 px anti-aliasing ramp at distance r from the centre line.
        var coverage = [Double](repeating: 0, count: w * h)
        for k in 0..<(px.count - 1) {
            let a = px[k]
            let b = px[k + 1]
            let lo = SIMD2(max(0, Int((min(a.x, b.x) - r - 1).rounded(.down))), max(0, Int((min(a.y, b.y) - r - 1).rounded(.down))))
            let hi = SIMD2(min(w - 1, Int((max(a.x, b.x) + r + 1).rounded(.up))), min(h - 1, Int((max(a.y, b.y) + r + 1).rounded(.up))))
            let d = b - a
            let len2 = (d * d).sum()
            for y in lo.y...hi.y {
                for x in lo.x...hi.x {
                    let p = SIMD2(Double(x), Double(y))
                    let t = len2 > 0 ? min(max(((p - a) * d).sum() / len2, 0), 1) : 0
                    let q = a + t * d - p
                    let dist = (q * q).sum().squareRoot()
                    let c = min(max(r + 0.5 - dist, 0), 1)
                    if c > coverage[y * w + x] { coverage[y * w + x] = c }
                }
            }
        }
        for i in 0..<(w * h) where coverage[i] > 0 {
            let c = coverage[i]
            let blend = { (old: UInt8, new: UInt8) in UInt8((Double(old) * (1 - c) + Double(new) * c).rounded()) }
            image.pixels[3 * i] = blend(image.pixels[3 * i], color.0)
            image.pixels[3 * i + 1] = blend(image.pixels[3 * i + 1], color.1)
            image.pixels[3 * i + 2] = blend(image.pixels[3 * i + 2], color.2)
        }
    }
}
