import BenchtopCore
import BenchtopMesh
import BenchtopScene
import Foundation
import Testing

/// Asset files follow the one path rule in every root of the search path (scene folder, asset_path,
/// BENCHTOP_ASSET_PATH): no `..`, no absolute path, no symbolic link leading out of the root the name is found in,
/// and a mesh's MTL is read from inside that root only. Canary files prove nothing outside is opened: a FIFO
/// blocks whoever opens it, so a test that ends did not open it.
@Suite struct AssetRootTests {
    static let tetrahedron = "v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"

    /// top/ holds the canaries; top/scene/ is the scene folder, top/lib/ a declared root, top/env/ the environment's.
    struct Layout {
        let top: String
        var scene: String { top + "/scene" }
        var lib: String { top + "/lib" }
        var env: String { top + "/env" }
        init() throws {
            top = NSTemporaryDirectory() + "benchtop-assetroots-\(UUID().uuidString.prefix(8))"
            for d in ["/scene", "/lib", "/env", "/outside"] {
                try FileManager.default.createDirectory(atPath: top + d, withIntermediateDirectories: true)
            }
            try (AssetRootTests.tetrahedron).write(toFile: top + "/outside/secret.obj", atomically: true, encoding: .utf8)
            #expect(mkfifo(top + "/outside/fifo.obj", 0o600) == 0)
            #expect(mkfifo(top + "/outside/fifo.mtl", 0o600) == 0)
        }
        func write(_ path: String, _ text: String) throws { try text.write(toFile: top + "/" + path, atomically: true, encoding: .utf8) }
        func link(_ path: String, to target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: top + "/" + path, withDestinationPath: target)
        }
        func remove() { try? FileManager.default.removeItem(atPath: top) }
    }

    func object(_ file: String) -> String { "objects:\n  - {name: a, asset: mesh, file: \(file), mass: 0.05, position: [0.5, 0]}\n" }

    func load(_ yaml: String, _ l: Layout) throws -> Scene {
        try SceneLoader.parse(yaml, file: l.scene + "/s.yaml")
    }

    func message(_ body: () throws -> Scene) -> String {
        do {
            _ = try body()
            return "no error"
        } catch { return "\(error)" }
    }

    @Test func namesThatLeaveTheirRootAreRefusedInEveryRoot() throws {
        let l = try Layout()
        defer { l.remove() }
        try l.write("scene/ok.obj", Self.tetrahedron)
        try l.write("lib/ok2.obj", Self.tetrahedron)
        // Found in the scene folder and in a declared root: accepted.
        #expect(try load(object("ok.obj"), l).objects.count == 1)
        #expect(try load("asset_path: [../lib]\n" + object("ok2.obj"), l).objects.count == 1)
        // `..` and absolute names are refused whichever root would hold them, even when the file lies inside one.
        let cases: [(String, String)] = [
            ("../outside/secret.obj", "leaves its root by '..'"),
            ("sub/../ok.obj", "leaves its root by '..'"),
            (l.top + "/outside/secret.obj", "not an absolute path"),
            (l.top + "/scene/ok.obj", "not an absolute path"),
        ]
        for (name, expected) in cases {
            let m = message { try load("asset_path: [../lib]\n" + object(name), l) }
            #expect(m.contains(expected) && m.contains("objects[0].file"), "\(name): \(m)")
        }
        // A symbolic link leading out of the root it is found in, in each kind of root, pointing at a FIFO: refused
        // without being opened (the test would hang otherwise).
        try l.link("scene/escape.obj", to: l.top + "/outside/fifo.obj")
        try l.link("lib/escape2.obj", to: "../outside/fifo.obj")
        try l.link("env/escape3.obj", to: l.top + "/outside/fifo.obj")
        try l.link("lib/dir", to: l.top + "/outside")
        for (yaml, env) in [
            (object("escape.obj"), nil), ("asset_path: [../lib]\n" + object("escape2.obj"), nil),
            ("asset_path: [../lib]\n" + object("dir/secret.obj"), nil), (object("escape3.obj"), l.env),
        ] as [(String, String?)] {
            let m = message {
                var environment = ProcessInfo.processInfo.environment
                environment["BENCHTOP_ASSET_PATH"] = env
                let roots = try AssetRoots(
                    sceneFile: l.scene + "/s.yaml", assetPath: yaml.hasPrefix("asset_path") ? ["../lib"] : [], environment: environment)
                let file = yaml.components(separatedBy: "file: ")[1].components(separatedBy: ",")[0]
                _ = try roots.resolve(file)
                return try load(yaml, l)
            }
            #expect(m.contains("symbolic link leading outside"), "\(yaml): \(m)")
        }
    }

    @Test func aConfinedSceneMayNotDeclareRootsOutsideItsFolder() throws {
        let l = try Layout()
        defer { l.remove() }
        try l.write("lib/ok2.obj", Self.tetrahedron)
        try FileManager.default.createDirectory(atPath: l.scene + "/inner", withIntermediateDirectories: true)
        try l.write("scene/inner/ok3.obj", Self.tetrahedron)
        try l.link("scene/linked", to: l.lib)
        for entry in ["../lib", l.lib, "linked"] {
            let m = message { try SceneLoader.parse("asset_path: [\(entry)]\n" + object("ok2.obj"), file: l.scene + "/s.yaml", confined: true) }
            #expect(m.contains("asset_path") && (m.contains("..") || m.contains("absolute") || m.contains("symbolic link")), "\(entry): \(m)")
            #expect(try SceneLoader.parse("asset_path: [\(entry)]\n" + object("ok2.obj"), file: l.scene + "/s.yaml").objects.count == 1)
        }
        #expect(try SceneLoader.parse("asset_path: [inner]\n" + object("ok3.obj"), file: l.scene + "/s.yaml", confined: true).objects.count == 1)
    }

    /// An OBJ's `mtllib` is read through the same root: `..`, absolute and linked MTL files outside it are never
    /// opened (they are FIFOs: opening one would block), and the mesh still loads.
    @Test func materialFilesOutsideTheRootAreNeverOpened() throws {
        let l = try Layout()
        defer { l.remove() }
        try l.link("scene/linked.mtl", to: l.top + "/outside/fifo.mtl")
        for (i, mtl) in ["../outside/fifo.mtl", l.top + "/outside/fifo.mtl", "linked.mtl"].enumerated() {
            try l.write("scene/m\(i).obj", "mtllib \(mtl)\n" + Self.tetrahedron)
            let s = try load(object("m\(i).obj"), l)
            guard case .mesh(let mesh) = s.objects[0].asset else {
                Issue.record("expected a mesh")
                continue
            }
            #expect(!mesh.parts.isEmpty, "\(mtl)")
        }
        // The loader itself refuses a mesh path outside the root it is given.
        #expect(throws: MeshError.self) { try MeshFile.load(path: l.top + "/outside/secret.obj", root: l.scene) }
    }
}
