import Foundation
import Testing

/// The repository's own rules, checked on its files: it stands alone (no pointers into a development machine),
/// Package.swift declares every module a target imports, and source files stay small.
@Suite struct RepositoryTests {
    /// Paths a user's clone does not have (spelled in pieces so that this file does not match itself).
    static let outsideNeedles = ["shared" + "/design", "shared" + "/reference", ".." + "/shared", "/" + "work/", "/" + "root/"]

    let root = GoldenTests.root

    /// Text files under `folder` (relative to the root) whose names end in one of `extensions`.
    func files(under folder: String, extensions: [String]) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: "\(root)/\(folder)") else { return [] }
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            if extensions.contains(where: { path.hasSuffix(".\($0)") }) { found.append("\(folder)/\(path)") }
        }
        return found.sorted()
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) }

    @Test func theRepositoryStandsAlone() throws {
        let paths =
            files(under: "Sources", extensions: ["swift", "cpp", "h", "c"]) + files(under: "Plugins", extensions: ["swift", "md", "py"])
            + files(under: "docs", extensions: ["md"]) + ["README.md"]
        #expect(paths.count > 100)
        for path in paths {
            for (n, line) in try text(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for needle in Self.outsideNeedles where line.contains(needle) {
                    Issue.record("\(path):\(n + 1) points outside the repository (\(needle)): \(line.prefix(120))")
                }
            }
        }
    }

    @Test func sourceFilesStaySmall() throws {
        for path in files(under: "Sources", extensions: ["swift", "cpp"]) {
            let lines = try text(path).split(separator: "\n", omittingEmptySubsequences: false).count
            #expect(lines <= 650, "\(path) has \(lines) lines; split it by concern (about 600 at most)")
        }
    }

    /// Every `import X` of a target's files names a module its Package.swift entry lists (or a system module).
    @Test func packageDeclaresEveryImport() throws {
        let manifest = try text("Package.swift")
        let system: Set<String> = ["Foundation", "FoundationXML", "Testing", "Dispatch", "Glibc", "PackageDescription", "Synchronization"]
        let starts = try NSRegularExpression(pattern: #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
            .matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        #expect(starts.count > 40)
        for (i, match) in starts.enumerated() {
            let kind = String(manifest[Range(match.range(at: 1), in: manifest)!])
            let name = String(manifest[Range(match.range(at: 2), in: manifest)!])
            guard kind != "systemLibrary" else { continue }
            let end = i + 1 < starts.count ? Range(starts[i + 1].range, in: manifest)!.lowerBound : manifest.endIndex
            let entry = manifest[Range(match.range, in: manifest)!.lowerBound..<end]
            var declared = Set<String>()
            if let deps = entry.range(of: "dependencies:"), let close = entry[deps.upperBound...].firstIndex(of: "]") {
                let list = entry[deps.upperBound..<close]
                for part in list.split(separator: "\"").enumerated() where part.offset % 2 == 1 { declared.insert(String(part.element)) }
                if list.contains("ArgumentParser") { declared.insert("ArgumentParser") }
            }
            let folder: String
            if let p = entry.range(of: #"path: ""#) {
                folder = String(entry[p.upperBound...].prefix { $0 != "\"" })
            } else {
                folder = (kind == "testTarget" ? "Tests/" : "Sources/") + name
            }
            for path in files(under: folder, extensions: ["swift"]) {
                for line in try text(path).split(separator: "\n") {
                    let words = line.split(separator: " ").filter { !$0.hasPrefix("@") && $0 != "internal" && $0 != "public" }
                    guard words.count == 2, words[0] == "import" else { continue }
                    let module = String(words[1])
                    #expect(
                        system.contains(module) || declared.contains(module) || module == name,
                        "\(path) imports \(module), which Package.swift does not list for \(name)")
                }
            }
        }
    }
}
