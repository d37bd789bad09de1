import Foundation
import Testing

/// Inputs from strangers (a plugin's URDF and manifest, a scene, specs) read nothing outside their root,
/// never resolve XML entities, and quote at most a short excerpt in errors. Every case runs the real binary.
@Suite struct InputSafetyTests {
    static let secret = "CANARY-SECRET-7f3a9c"

    /// A canary outside the plugin folder: a regular file with the secret, and a FIFO that would block
    /// whoever opened it for reading (so "never opened" shows as a run that ends instead of hanging).
    func canaries(_ s: Scratch) throws -> (file: String, fifo: String) {
        try s.write("canary.txt", "<robot name=\"\(Self.secret)\"><link name=\"\(Self.secret)\"/></robot>\n")
        let fifo = s.file("canary.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        return (s.file("canary.txt"), fifo)
    }

    func expectRefused(_ run: BinaryRun, mentioning words: [String], _ comment: Comment? = nil) {
        #expect(run.verdict == .cleanError, "\(comment?.description ?? ""): \(run.verdict.rawValue): \(run.output.prefix(400))")
        #expect(!run.output.contains(Self.secret), "the canary's content was echoed: \(run.output.prefix(400))")
        for w in words { #expect(run.output.contains(w), "expected '\(w)' in: \(run.output.prefix(400))") }
    }

    @Test func urdfEntitiesAreRefusedAndNeverResolved() throws {
        let s = try Scratch("xxe")
        defer { s.remove() }
        let (file, fifo) = try canaries(s)
        let documents = [
            "<?xml version=\"1.0\"?>\n<!DOCTYPE robot [<!ENTITY x SYSTEM \"file://\(file)\">]>\n<robot name=\"r\"><link name=\"&x;\"/></robot>",
            "<!DOCTYPE robot [<!ENTITY x SYSTEM \"file://\(fifo)\">]><robot name=\"&x;\"><link name=\"a\"/></robot>",
            "<!DOCTYPE robot SYSTEM \"file://\(fifo)\"><robot name=\"r\"><link name=\"a\"/></robot>",
            "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><robot name=\"&b;\"><link name=\"a\"/></robot>",
            "<robot name=\"r\"><link name=\"&x;\"/></robot>",
        ]
        for (i, text) in documents.enumerated() {
            try s.write("r\(i).urdf", text)
            let run = try runBenchtop(["check", "urdf", s.file("r\(i).urdf")], timeout: 20)
            expectRefused(run, mentioning: ["r\(i).urdf"], "document \(i)")
            #expect(run.output.contains(i < 4 ? "DOCTYPE declarations are not accepted" : "unknown entity reference"), "\(run.output)")
        }
        // Through a plugin manifest, as `--embodiment-path` reads it.
        let plugin = try copyToyPlugin(into: s)
        try documents[0].write(toFile: "\(plugin)/toy_arm.urdf", atomically: true, encoding: .utf8)
        expectRefused(try runBenchtop(["check", "plugin", plugin], timeout: 20), mentioning: ["urdf", "DOCTYPE"])
    }

    @Test func emptyBinaryAndMalformedURDFsAreCleanErrors() throws {
        let s = try Scratch("urdf-bad")
        defer { s.remove() }
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "the file is empty"),
            ("binary", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }), "not a text file"),
            ("unclosed", Data("<robot name=\"r\"><link name=\"a\">".utf8), "is not closed"),
            ("mismatch", Data("<robot name=\"r\"><link name=\"a\"></robot>".utf8), "does not match"),
            ("two-roots", Data("<robot name=\"r\"><link name=\"a\"/></robot><robot/>".utf8), "content after the root"),
            ("deep", Data((String(repeating: "<a>", count: 5000) + String(repeating: "</a>", count: 5000)).utf8), "nested deeper"),
        ]
        for (name, data, message) in cases {
            try data.write(to: URL(fileURLWithPath: s.file("\(name).urdf")))
            let run = try runBenchtop(["check", "urdf", s.file("\(name).urdf")], timeout: 20)
            #expect(run.verdict == .cleanError && run.output.contains(message), "\(name): \(run.verdict.rawValue): \(run.output.prefix(300))")
        }
        // A 1000-link chain: refused up front, not simulated with cubic cost.
        var chain = "<robot name=\"chain\"><link name=\"l0\"/>"
        for i in 1..<1000 {
            chain += "<link name=\"l\(i)\"/><joint name=\"j\(i)\" type=\"fixed\"><parent link=\"l\(i - 1)\"/><child link=\"l\(i)\"/></joint>"
        }
        try s.write("chain.urdf", chain + "</robot>")
        let run = try runBenchtop(["check", "urdf", s.file("chain.urdf")], timeout: 20)
        #expect(run.verdict == .cleanError && run.output.contains("at most 256 links"), "\(run.output.prefix(300))")
    }

    @Test func manifestFilesStayInsideThePluginFolder() throws {
        let s = try Scratch("escape")
        defer { s.remove() }
        let (file, fifo) = try canaries(s)
        let plugin = try copyToyPlugin(into: s)
        let manifest = try String(contentsOfFile: "\(plugin)/embodiment.yaml", encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(plugin)/link.urdf", withDestinationPath: file)
        try FileManager.default.createSymbolicLink(atPath: "\(plugin)/fifo.urdf", withDestinationPath: fifo)
        let names = ["../canary.txt", file, "link.urdf", "../canary.fifo", fifo, "fifo.urdf", "/proc/self/environ", "missing.urdf"]
        for name in names {
            try manifest.replacingOccurrences(of: "urdf: toy_arm.urdf", with: "urdf: \(name)")
                .write(toFile: "\(plugin)/embodiment.yaml", atomically: true, encoding: .utf8)
            let run = try runBenchtop(["check", "plugin", plugin], timeout: 20)
            expectRefused(run, mentioning: ["embodiment.yaml: urdf:"], "urdf: \(name)")
        }
        // The user's explicit choice lets the symbolic link through (the canary is then read and parsed).
        try manifest.replacingOccurrences(of: "urdf: toy_arm.urdf", with: "urdf: link.urdf")
            .write(toFile: "\(plugin)/embodiment.yaml", atomically: true, encoding: .utf8)
        let allowed = try runBenchtop(["check", "plugin", plugin, "--allow-outside-root"], timeout: 20)
        #expect(allowed.verdict == .cleanError && allowed.output.contains("arms[0]"), "\(allowed.output.prefix(300))")
    }

    @Test func errorsQuoteOnlyAShortExcerpt() throws {
        let s = try Scratch("excerpt")
        defer { s.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["BENCHTOP_CANARY"] = Self.secret
        let environ = try runBenchtop(["scene", "check", "/proc/self/environ"], environment: environment)
        expectRefused(environ, mentioning: ["not a text file"])
        let long = String(repeating: "x", count: 100_000) + Self.secret
        try s.write("scalar.yaml", long)
        try s.write("key.yaml", "name: a\n\(long): 1\n")
        try s.write(
            "mass.yaml",
            try String(contentsOfFile: "\(repositoryRoot)/scenes/pick_cube.yaml", encoding: .utf8)
                .replacingOccurrences(of: "mass: 0.1", with: "mass: \(long)"))
        for f in ["scalar.yaml", "key.yaml", "mass.yaml"] {
            let run = try runBenchtop(["scene", "check", s.file(f)])
            expectRefused(run, mentioning: [f])
            #expect(run.output.count < 600, "\(f): \(run.output.count) characters of error")
        }
        expectRefused(try runBenchtop(["scene", "check", "/dev/zero"], timeout: 20), mentioning: ["not a regular file"])
    }
}
