import BenchtopCore
import BenchtopReasoning
import Foundation
import Testing

/// The LIBERO statistics from molmoact.md section 1 (q99 of the public config, abridged there, is taken as the
/// mirror of q01 for dims 0-5 here; any q01 < q99 works for the round trip).
let libero = ActionNormalization(
    q01: [-0.745, -0.662, -0.9375, -0.107, -0.207, -0.184, 0],
    q99: [0.9375, 0.8571, 0.9375, 0.1521, 0.1907, 0.3075, 1],
    mask: [true, true, true, true, true, true, false])
let fractal = ActionNormalization(
    q01: [-0.2245, -0.1482, -0.2316, -0.3518, -0.4193, -0.4364, 0.0],
    q99: [0.1782, 0.1494, 0.2184, 0.5893, 0.3527, 0.4480, 1.0],
    mask: [true, true, true, true, true, true, false])

func depthString(_ codes: [Int]) -> String { "<DEPTH_START>" + codes.map { "<DEPTH_\($0)>" }.joined() + "<DEPTH_END>" }
let hundredCodes = (0..<100).map { ($0 * 37 + 11) % 128 }

@Suite struct ActionTokenTests {
    @Test func tableMatchesTheReferenceTSV() throws {
        // The shipped table of Qwen2 action tokens (id, bin_d, token; docs/reference/molmoact.md §7).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../scripts/policy-servers/qwen2-action-tokens.tsv")
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 256)
        for r in rows {
            let id = Int(r[0])!
            let d = Int(r[1])!
            #expect(ActionTokenizer.string(forID: id) == r[2])
            #expect(ActionTokenizer.tokenID(r[2]) == id)
            #expect(id == ActionTokenizer.vocabularySize - d)
        }
    }

    @Test func decodingFollowsTheReferenceExamples() throws {
        // id 151387 -> d 254 -> 0.99608; the highest id 151642 -> d 0 -> -0.99608.
        #expect(abs(ActionTokenizer.normalizedValue(ActionTokenizer.string(forID: 151_387)!)! - 0.996078) < 1e-6)
        #expect(abs(ActionTokenizer.normalizedValue(ActionTokenizer.string(forID: 151_642)!)! + 0.996078) < 1e-6)
        #expect(ActionTokenizer.normalizedValue("abc") == nil)
        // The reference step 1 gripper token (ðŁİĳ = id 151387) decodes to 0.99608 and stays normalised.
        let a = try ActionTokenizer.decode(["áĴĮ", "ìĿ¿", "ï¤ħ", "Ôĳ", "áģ¼", "ï¨Ĥ", "ðŁİĳ"], normalization: libero)
        #expect(abs(a[6] - 0.99608) < 1e-5)
        #expect(a.count == 7)
        #expect(throws: ActionTokenError.self) { try ActionTokenizer.decode(["áĴĮ", "nope"], normalization: libero) }
    }

    @Test func encodeThenDecodeReturnsEachValueWithinHalfABin() throws {
        var rng = SeededRandom(seed: 42)
        for stats in [libero, fractal] {
            for _ in 0..<500 {
                var a = (0..<6).map { j in rng.uniform(stats.q01[j], stats.q99[j]) }
                a.append(rng.uniform(0, 1) < 0.5 ? 0 : 1)
                let tokens = ActionTokenizer.encode(a, normalization: stats)
                let back = try ActionTokenizer.decode(tokens, normalization: stats)
                for j in 0..<6 {
                    let halfBin = (stats.q99[j] - stats.q01[j]) / 255
                    #expect(abs(back[j] - a[j]) <= halfBin + 1e-9, "dim \(j): \(a[j]) -> \(back[j])")
                }
                // The gripper comes back normalised as 1 - a (open 0 -> ~1, closed 1 -> ~0), within half a bin.
                #expect(abs(back[6] - (1 - a[6])) <= 1.0 / 255 + 1e-9)
            }
        }
        // Every token is the encoding of its own bin centre.
        for id in (ActionTokenizer.firstTokenID + 1)..<ActionTokenizer.vocabularySize {  // 151387 and 151388 share bin 254
            let s = ActionTokenizer.string(forID: id)!
            #expect(ActionTokenizer.token(normalized: ActionTokenizer.normalizedValue(s)!) == s)
        }
    }

    @Test func normStatsLoadByKeyAndReportBadFiles() throws {
        let json =
            #"{"norm_stats": {"libero_spatial_no_noops_modified": {"action": {"q01": [-1, -2, 0], "q99": [1, 2, 1], "mask": [true, true, false]}}, "other": {"action": {"q01": [0], "q99": [1]}}}, "n_action_bins": 256}"#
        let n = try ActionNormalization.parse(Data(json.utf8), unnormKey: "libero_spatial_no_noops_modified")
        #expect(n.q01 == [-1, -2, 0] && n.mask == [true, true, false])
        #expect(throws: NormStatsError.self) { try ActionNormalization.parse(Data(json.utf8), unnormKey: nil) }
        do {
            _ = try ActionNormalization.parse(Data(json.utf8), file: "config.json", unnormKey: "bridge_orig")
            Issue.record("expected an error")
        } catch let e as NormStatsError {
            #expect(e.keyPath == "norm_stats.bridge_orig" && e.message.contains("libero_spatial_no_noops_modified"))
        }
        let bad = #"{"k": {"action": {"q01": [0, 1], "q99": [1]}}}"#
        #expect(throws: NormStatsError.self) { try ActionNormalization.parse(Data(bad.utf8), unnormKey: nil) }
    }
}

@Suite struct MolmoActParserTests {
    /// Two distinct 7-token steps from the reference's LIBERO output (section 4).
    let step1 = ["áĴĮ", "ìĿ¿", "ï¤ħ", "Ôĳ", "áģ¼", "ï¨Ĥ", "ðŁİĳ"]
    let step2 = ["áĴĮ", "ðŁķľ", "íķ±", "Ôĳ", "à°³", "ï¨Ĥ", "ðŁİĳ"]

    @Test func parsesTheModelCardSingleStepShape() throws {
        let text =
            "The depth map of the first image is \(depthString(hundredCodes)). The trajectory of the end effector in the first image is [[153,91],[43,17],[35,127],[59,152],[46,184]]. Based on these information, along with other images from different camera views as additional information, the action that the robot should take is [\(step1.joined(separator: ", "))]."
        let out = MolmoActParser.parse(text, expectedSteps: 1)
        #expect(out.issues.isEmpty, "\(out.issues)")
        #expect(out.depthCodes == hundredCodes)
        #expect(out.traces.count == 1 && out.traces[0].label == .single)
        #expect(out.traces[0].points == [SIMD2(153, 91), SIMD2(43, 17), SIMD2(35, 127), SIMD2(59, 152), SIMD2(46, 184)])
        #expect(out.actionTokens == [step1])
        let actions = try MolmoActParser.actions(out, normalization: libero)
        #expect(actions.count == 1 && abs(actions[0][6] - 0.99608) < 1e-5)
    }

    @Test func parsesAnEightStepChunkWithTheLeadingSpace() throws {
        let steps = (0..<8).map { $0 % 2 == 0 ? step1 : step2 }
        let text =
            " The depth map of the first image is \(depthString(hundredCodes)). The trajectory of the end effector in the first image is [[153,91],[43,17]]. Based on these information, along with other images from different camera views as additional information, the action that the robot should take is \(ActionTokenizer.text(steps))."
        let out = MolmoActParser.parse(text, expectedSteps: 8)
        #expect(out.issues.isEmpty, "\(out.issues)")
        #expect(out.actionTokens == steps)
        let actions = try MolmoActParser.actions(out, normalization: libero)
        #expect(actions.count == 8 && actions[0] != actions[1] && actions[0] == actions[2])
    }

    @Test func parsesTheLeftRightPhrasingWithPythonReprTraces() throws {
        let text =
            "The depth map of the image is \(depthString(hundredCodes)). The trajectory of the left end effector is [[120, 85], [131, 90]]. The trajectory of the right end effector is [[120, 85], [131, 90]]. Based on this information, the action that the robot should take is \(ActionTokenizer.text([step1, step2]))."
        let out = MolmoActParser.parse(text)
        #expect(out.issues.isEmpty, "\(out.issues)")
        #expect(out.traces.map(\.label) == [.left, .right])
        #expect(out.traces[1].points == [SIMD2(120, 85), SIMD2(131, 90)])
        #expect(out.actionTokens.count == 2)
    }

    @Test func steeringAnswersHoldActionsOnly() throws {
        let text =
            "Based on the image and the annotated trajectory of the end effector, the action that the robot should take is [\(step2.joined(separator: ", "))]."
        // The steering answer mentions "trajectory of the end effector" without a list: not a reasoning answer.
        let out = MolmoActParser.parse(text, expectReasoning: false)
        #expect(out.actionTokens == [step2])
        #expect(out.actionIssues.isEmpty)
        #expect(out.depthCodes == nil)
    }

    @Test func malformedOutputsAreReportedPerField() throws {
        // Missing depth and trace, wrong count in step 1, unknown token in step 0, wrong chunk length.
        let bad =
            "the action that the robot should take is [[\(step1.dropLast().joined(separator: ", ")), xyz], [\(step2.dropLast().joined(separator: ", "))]]"
        let out = MolmoActParser.parse(bad, expectedSteps: 8)
        let fields = out.issues.map(\.field)
        #expect(fields.contains("depth") && fields.contains("trace"))
        #expect(fields.contains("action[0][6]") && fields.contains("action[1]") && fields.contains("action"))
        #expect(out.issues.first { $0.field == "action[1]" }?.detail == "6 values, expected 7")
        #expect(throws: MolmoActIssueError.self) { try MolmoActParser.actions(out, normalization: libero) }

        // Depth with 98 codes, an out-of-range code, and a cut-off answer.
        let short = MolmoActParser.parse(
            "The depth map of the first image is \(depthString(Array(hundredCodes.prefix(98)))). The trajectory of the end effector in the first image is [[10,20],[300,4]]. the action that the robot should take is [[\(step1.joined(separator: ", "))], [áĴĮ, ì"
        )
        // The shared depth grammar pads a short grid to 100 (repeating the last code) and reports it on the field.
        #expect(short.depthCodes?.count == 100 && short.depthCodes?.last == hundredCodes[97])
        #expect(short.issues.contains { $0.field == "depth" && $0.detail == "98 codes; padded to 100 by repeating the last code" })
        #expect(short.issues.contains { $0.field == "trace" && $0.detail.contains("outside [0, 256)") })
        #expect(short.issues.contains { $0.field == "action" && $0.detail.contains("unterminated") })
        #expect(short.actionTokens == [step1])
        let badCode = MolmoActParser.parse("<DEPTH_START><DEPTH_5><DEPTH_200><DEPTH_END>", expectReasoning: true)
        #expect(badCode.issues.contains { $0.field == "depth" && $0.detail.contains("200 is outside") })
        let nothing = MolmoActParser.parse("I cannot help with that.")
        #expect(nothing.issues.map(\.field) == ["depth", "trace", "action"])
    }

    @Test func promptsAreTheVerbatimTemplates() {
        let p = MolmoActPrompt.multiView.text(instruction: "pick up the cube")
        #expect(
            p.hasPrefix(
                "The task is pick up the cube. What is the action that the robot should take. To figure out the action that the robot should take to pick up the cube, let's think through it step by step. First, what is the depth map for the first image?"
            ))
        #expect(
            MolmoActPrompt.steeringSingleImage.text(instruction: "x")
                == "The task is x. Notice that the trajectory of the end effector is annotated on the image. Based on the trajectory annotated on the image, what is the action that the robot should take?"
        )
    }

    @Test func steeringOverlayDrawsACyanAntiAliasedLine() {
        var img = RGBImage(width: 256, height: 256, fill: (10, 20, 30))
        SteeringOverlay.draw([SIMD2(20, 128), SIMD2(200, 128)], on: &img)
        #expect(img[100, 128] == (0, 255, 255))  // on the line
        #expect(img[100, 100] == (10, 20, 30))  // far from it
        #expect(img[10, 128] == (10, 20, 30))  // before its start
        #expect(img[100, 130] == (10, 20, 30))  // 2 px from the centre line
        let edge = img[100, 129]  // the anti-aliased rim
        #expect(edge.g > 20 && edge.g < 255)
        var untouched = RGBImage(width: 8, height: 8)
        SteeringOverlay.draw([SIMD2(3, 3)], on: &untouched)
        #expect(untouched == RGBImage(width: 8, height: 8))
    }
}
