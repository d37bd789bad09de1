import BenchtopReasoning
import Testing

@Suite struct DepthTokensTests {
    let codes = (0..<100).map { ($0 * 37 + 11) % 128 }

    @Test func formatsAndParsesBothSpellings() throws {
        let tokens = try DepthTokens(codes: codes)
        let v1 = tokens.text()
        #expect(v1.hasPrefix("<DEPTH_START><DEPTH_11><DEPTH_48>"))
        #expect(v1.hasSuffix("<DEPTH_END>"))
        let v2 = tokens.text(spelling: .molmoAct2)
        #expect(v2.hasPrefix("<depth_start><depth_11><depth_48>"))
        for (text, spelling) in [(v1, DepthTokens.Spelling.molmoAct), (v2, .molmoAct2)] {
            let parsed = try DepthTokens.parse(" The depth map of the first image is \(text). The trajectory …")
            #expect(parsed.tokens == tokens)
            #expect(parsed.spelling == spelling)
            #expect(parsed.warnings.isEmpty)
        }
        #expect(tokens[0, 1] == codes[1] && tokens[9, 9] == codes[99] && tokens[3, 4] == codes[34])
    }

    @Test func padsShortAndTrimsLongOutputsWithWarnings() throws {
        let short = "<DEPTH_START>" + codes.prefix(98).map { "<DEPTH_\($0)>" }.joined() + "<DEPTH_END>"
        let padded = try DepthTokens.parse(short)
        #expect(padded.tokens.codes.prefix(98) == codes.prefix(98))
        #expect(padded.tokens.codes[98] == codes[97] && padded.tokens.codes[99] == codes[97])
        #expect(padded.warnings.count == 1 && padded.warnings[0].contains("98"))

        let long = "<depth_start>" + (codes + [5, 6, 7]).map { "<depth_\($0)>" }.joined() + "<depth_end>"
        let trimmed = try DepthTokens.parse(long)
        #expect(trimmed.tokens.codes == codes)
        #expect(trimmed.warnings.count == 1 && trimmed.warnings[0].contains("103"))

        let truncated = "<DEPTH_START>" + codes.map { "<DEPTH_\($0)>" }.joined()
        let open = try DepthTokens.parse(truncated)
        #expect(open.tokens.codes == codes && open.warnings.count == 1)
    }

    @Test func acceptsBareIntegerLists() throws {
        let parsed = try DepthTokens.parse(codes.map(String.init).joined(separator: ", "))
        #expect(parsed.tokens.codes == codes && parsed.spelling == nil && parsed.warnings.isEmpty)
    }

    @Test func rejectsBadCodesWithOffsets() {
        #expect(throws: DepthTokenError(offset: 13, message: "code 128 is outside 0..<128")) {
            try DepthTokens.parse("<DEPTH_START><DEPTH_128><DEPTH_END>")
        }
        do {
            _ = try DepthTokens.parse("<DEPTH_START><DEPTH_3>junk<DEPTH_END>")
            Issue.record("junk inside the block must be rejected")
        } catch let error as DepthTokenError {
            #expect(error.offset == 22)
        } catch { Issue.record("unexpected error \(error)") }
        #expect(throws: DepthTokenError.self) { try DepthTokens.parse("<DEPTH_START><DEPTH_END>") }
        #expect(throws: DepthTokenError.self) { try DepthTokens.parse("no depth here") }
        #expect(throws: DepthTokenError.self) { try DepthTokens(codes: [1, 2, 3]) }
    }
}
