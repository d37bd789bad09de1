/// An error parsing a depth token string: names the character offset and what was expected.
public struct DepthTokenError: Error, CustomStringConvertible, Equatable {
    /// Offset in characters (Unicode scalars) from the start of the parsed text.
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "depth tokens, character \(offset): \(message)" }
}

/// The depth map of one image as discrete codes: a row-major 10×10 grid (token i covers row i / 10,
/// column i % 10 of the image, each a tenth of its height and width) of codes in 0..<128.
public struct DepthTokens: Sendable, Hashable {
    /// Cells per side of the token grid.
    public static let gridSide = 10
    /// Tokens per image.
    public static let count = 100
    /// Distinct codes (the codebook size).
    public static let codebookSize = 128

    /// How an action reasoning model spells depth tokens.
    public enum Spelling: String, Sendable, CaseIterable {
        /// MolmoAct: `<DEPTH_START><DEPTH_k>…<DEPTH_END>`.
        case molmoAct
        /// MolmoAct2 (Think): `<depth_start><depth_k>…<depth_end>`.
        case molmoAct2

        var start: String { self == .molmoAct ? "<DEPTH_START>" : "<depth_start>" }
        var end: String { self == .molmoAct ? "<DEPTH_END>" : "<depth_end>" }
        var codePrefix: String { self == .molmoAct ? "<DEPTH_" : "<depth_" }
    }

    /// The codes, row-major; always `count` values in 0..<`codebookSize`.
    public let codes: [Int]

    /// Wraps exactly 100 codes in 0..<128; throws otherwise.
    public init(codes: [Int]) throws {
        guard codes.count == Self.count else {
            throw DepthTokenError(offset: 0, message: "\(codes.count) codes; expected \(Self.count)")
        }
        if let bad = codes.firstIndex(where: { $0 < 0 || $0 >= Self.codebookSize }) {
            throw DepthTokenError(offset: 0, message: "code \(bad) is \(codes[bad]); expected 0..<\(Self.codebookSize)")
        }
        self.codes = codes
    }

    /// The code of grid cell (row, column).
    public subscript(row: Int, column: Int) -> Int { codes[row * Self.gridSide + column] }

    /// The token string, e.g. `<DEPTH_START><DEPTH_69>…<DEPTH_END>`.
    public func text(spelling: Spelling = .molmoAct) -> String {
        var s = spelling.start
        for c in codes { s += "\(spelling.codePrefix)\(c)>" }
        return s + spelling.end
    }

    /// The outcome of parsing: tokens (always 100) plus warnings about repairs made.
    public struct Parsed: Sendable, Equatable {
        public var tokens: DepthTokens
        /// The spelling found, or nil for a bare list of integers.
        public var spelling: Spelling?
        /// Human-readable notes, e.g. "98 codes; padded to 100 by repeating the last code".
        public var warnings: [String]
    }

    /// Parses the first depth block in `text`: either spelling's `<START>` … `<END>` (a missing end marker,
    /// as in truncated generations, is accepted with a warning), or a bare list of integers separated by
    /// commas or whitespace. A count other than 100 is trimmed or padded (repeating the last code), with a
    /// warning; out-of-range codes and unrecognised text inside the block are errors.
    public static func parse(_ text: String) throws -> Parsed {
        let scalars = Array(text.unicodeScalars)
        var warnings: [String] = []
        var codes: [Int] = []
        var spelling: Spelling?
        for candidate in Spelling.allCases {
            if let at = find(Array(candidate.start.unicodeScalars), in: scalars, from: 0) {
                if spelling == nil || at < find(Array(spelling!.start.unicodeScalars), in: scalars, from: 0)! {
                    spelling = candidate
                }
            }
        }
        if let spelling {
            let startMarker = Array(spelling.start.unicodeScalars)
            let begin = find(startMarker, in: scalars, from: 0)! + startMarker.count
            var end = find(Array(spelling.end.unicodeScalars), in: scalars, from: begin) ?? -1
            if end < 0 {
                end = scalars.count
                warnings.append("no \(spelling.end) after \(spelling.start); read to the end of the text")
            }
            let prefix = Array(spelling.codePrefix.unicodeScalars)
            var i = begin
            while i < end {
                if scalars[i].properties.isWhitespace || scalars[i] == "," {
                    i += 1
                    continue
                }
                guard i + prefix.count <= end, Array(scalars[i..<(i + prefix.count)]) == prefix else {
                    throw DepthTokenError(
                        offset: i, message: "expected \(spelling.codePrefix)k> or \(spelling.end), found '\(snippet(scalars, i, end))'")
                }
                var j = i + prefix.count
                var value = 0
                var digits = 0
                while j < end, let d = digit(scalars[j]) {
                    value = min(value * 10 + d, 1_000_000)
                    digits += 1
                    j += 1
                }
                guard digits > 0, j < end, scalars[j] == ">" else {
                    throw DepthTokenError(
                        offset: i,
                        message:
                            "malformed depth token '\(snippet(scalars, i, end))'; expected \(spelling.codePrefix)k> with k in 0..<\(codebookSize)")
                }
                guard value < codebookSize else {
                    throw DepthTokenError(offset: i, message: "code \(value) is outside 0..<\(codebookSize)")
                }
                codes.append(value)
                i = j + 1
            }
        } else {
            var i = 0
            while i < scalars.count {
                if scalars[i].properties.isWhitespace || scalars[i] == "," || scalars[i] == "[" || scalars[i] == "]" {
                    i += 1
                    continue
                }
                var value = 0
                var digits = 0
                var j = i
                while j < scalars.count, let d = digit(scalars[j]) {
                    value = min(value * 10 + d, 1_000_000)
                    digits += 1
                    j += 1
                }
                guard digits > 0 else {
                    throw DepthTokenError(
                        offset: i,
                        message: "expected <DEPTH_START>, <depth_start> or a list of integer codes, found '\(snippet(scalars, i, scalars.count))'")
                }
                guard value < codebookSize else {
                    throw DepthTokenError(offset: i, message: "code \(value) is outside 0..<\(codebookSize)")
                }
                codes.append(value)
                i = j
            }
        }
        guard let last = codes.last else {
            throw DepthTokenError(offset: 0, message: "no depth codes found; expected \(count)")
        }
        if codes.count < count {
            warnings.append("\(codes.count) codes; padded to \(count) by repeating the last code")
            codes += Array(repeating: last, count: count - codes.count)
        } else if codes.count > count {
            warnings.append("\(codes.count) codes; trimmed to the first \(count)")
            codes.removeLast(codes.count - count)
        }
        return Parsed(tokens: try DepthTokens(codes: codes), spelling: spelling, warnings: warnings)
    }

    private static func digit(_ s: Unicode.Scalar) -> Int? {
        s.value >= 48 && s.value <= 57 ? Int(s.value - 48) : nil
    }

    private static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    private static func snippet(_ s: [Unicode.Scalar], _ from: Int, _ end: Int) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s[from..<min(end, from + 16)])
        return String(out)
    }
}
