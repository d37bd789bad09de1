import Foundation
import Testing

/// Physics failures are reported where they happen and never counted as success.
@Suite struct PhysicsDiagnosticsTests {
    static let pickCube = (try? String(contentsOfFile: "\(repositoryRoot)/scenes/pick_cube.yaml", encoding: .utf8)) ?? ""

    @Test func aBlowUpNamesTheStepItHappenedIn() throws {
        let s = try Scratch("blowup")
        defer { s.remove() }
        // Gravity of 9e5 m/s^2 flings the cube past the 100 m/s runaway limit within the first step.
        try s.write("boom.yaml", Self.pickCube + "physics: {gravity: [0, 0, -900000]}\n")
        let run = try runBenchtop(["sim", s.file("boom.yaml"), "--steps", "2400"])
        #expect(run.verdict == .cleanError)
        #expect(run.output.contains("physics blew up at step 1:"), "\(run.output.suffix(400))")
    }

    @Test func anExplodingSceneIsNeverASuccess() throws {
        let s = try Scratch("explode")
        defer { s.remove() }
        // Gravity of 200 m/s^2 upwards throws the cube 0.44 m "up" in the first tick, at 13 m/s: the lifted
        // predicate holds, but nothing in a tabletop task moves that fast, so it is not a success.
        try s.write("explode.yaml", Self.pickCube + "physics: {gravity: [0, 0, 200]}\n")
        let run = try runBenchtop(
            [
                "eval", s.file("explode.yaml"), "--episodes", "1", "--horizon", "3", "--no-video", "--no-panels",
                "--out", s.file("out"),
            ], timeout: 120)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.file("out/results.json")))) as? [String: Any]
        let episode = (json?["episodes"] as? [[String: Any]])?.first
        #expect(episode?["success"] as? Bool == false, "\(run.output.suffix(300))")
        #expect(episode?["success_any_time"] as? Bool == false)
    }
}
