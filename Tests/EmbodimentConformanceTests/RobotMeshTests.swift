import BenchtopCore
import BenchtopScene
import BenchtopTestSupport
import EmbodimentConformance
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

/// Meshes in robot links: package:// and relative names through the package search path, never outside it.
@Suite struct RobotMeshTests {
    /// A package root holding `my_robot/urdf/robot.urdf` and `my_robot/meshes/two.obj` (two materials), and a
    /// file outside the root for escapes to aim at.
    static func makePackage() throws -> (root: String, urdf: String, outside: String) {
        let base = NSTemporaryDirectory() + "benchtop-pkg-\(UUID().uuidString.prefix(8))"
        let root = base + "/root"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/my_robot/urdf", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/my_robot/meshes", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        let mtl = "newmtl red\nKd 0.9 0.1 0.1\nnewmtl blue\nKd 0.1 0.1 0.9\n"
        // Two triangles of a tetrahedron in red, two in blue: one closed solid split by material.
        let obj = """
            mtllib two.mtl
            v 0 0 0
            v 0.1 0 0
            v 0 0.1 0
            v 0 0 0.1
            usemtl red
            f 1 3 2
            f 1 2 4
            usemtl blue
            f 1 4 3
            f 2 3 4
            """
        try mtl.write(toFile: root + "/my_robot/meshes/two.mtl", atomically: true, encoding: .utf8)
        try obj.write(toFile: root + "/my_robot/meshes/two.obj", atomically: true, encoding: .utf8)
        try obj.replacingOccurrences(of: "mtllib two.mtl\n", with: "").write(toFile: base + "/outside/secret.obj", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/my_robot/meshes/link.obj", withDestinationPath: base + "/outside/secret.obj")
        return (root, root + "/my_robot/urdf/robot.urdf", base + "/outside/secret.obj")
    }

    static func urdf(_ mesh: String) -> String {
        """
        <robot name="r">
          <link name="base">
            <inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01"/></inertial>
            <visual><geometry><mesh filename="\(mesh)" scale="2 2 2"/></geometry></visual>
            <collision><geometry><mesh filename="\(mesh)"/></geometry></collision>
          </link>
        </robot>
        """
    }

    func parse(_ mesh: String, _ p: (root: String, urdf: String, outside: String), environment: [String: String] = [:]) throws -> ArticulationSpec {
        try Self.urdf(mesh).write(toFile: p.urdf, atomically: true, encoding: .utf8)
        return try URDFParser.load(
            path: p.urdf, packages: PackagePath(roots: [], environment: ["BENCHTOP_PACKAGE_PATH": p.root].merging(environment) { $1 }))
    }

    @Test func packageAndRelativeMeshesLoadWithColoursAndOneCollisionPart() throws {
        let p = try Self.makePackage()
        defer { try? FileManager.default.removeItem(atPath: (p.root as NSString).deletingLastPathComponent) }
        for name in ["package://my_robot/meshes/two.obj", "../meshes/two.obj"] {
            let spec = try parse(name, p)
            let link = spec.links[0]
            // Visual: one part per material, with the MTL colours, scaled by the URDF's scale.
            #expect(link.visual.count == 2, "\(name)")
            let colours = link.visual.compactMap(\.color).map { SIMD3($0.r, $0.g, $0.b) }  // MTL colours are 32-bit floats
            #expect(
                colours.count == 2 && length(colours[0] - SIMD3(0.9, 0.1, 0.1)) < 1e-6 && length(colours[1] - SIMD3(0.1, 0.1, 0.9)) < 1e-6, "\(name)")
            #expect(abs((link.visual[0].shape.triangleMesh?.bounds.upper.x ?? 0) - 0.2) < 1e-6, "\(name)")
            // Collision: the file's parts joined into one mesh (one convex hull in physics).
            #expect(link.collision.count == 1 && link.collision[0].shape.triangleMesh?.triangleCount == 4, "\(name)")
        }
    }

    /// STL and glTF (a tetrahedron each) load through the same path; STL has no colour, glTF its material's.
    @Test func stlAndGLTFMeshesLoad() throws {
        let p = try Self.makePackage()
        defer { try? FileManager.default.removeItem(atPath: (p.root as NSString).deletingLastPathComponent) }
        let v: [SIMD3<Float>] = [SIMD3(0, 0, 0), SIMD3(0.1, 0, 0), SIMD3(0, 0.1, 0), SIMD3(0, 0, 0.1)]
        let faces: [[Int]] = [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]
        var stl = "solid t\n"
        for f in faces {
            stl += "facet normal 0 0 0\nouter loop\n"
            for i in f { stl += "vertex \(v[i].x) \(v[i].y) \(v[i].z)\n" }
            stl += "endloop\nendfacet\n"
        }
        try (stl + "endsolid t\n").write(toFile: p.root + "/my_robot/meshes/t.stl", atomically: true, encoding: .utf8)
        var bytes = Data()
        for p in v { for c in [p.x, p.y, p.z] { withUnsafeBytes(of: c.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
        for i in faces.joined() { withUnsafeBytes(of: UInt16(i).littleEndian) { bytes.append(contentsOf: $0) } }
        let gltf = """
            {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
             "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "material": 0}]}],
             "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [0.2, 0.6, 0.3, 1]}}],
             "buffers": [{"byteLength": \(bytes.count), "uri": "data:application/octet-stream;base64,\(bytes.base64EncodedString())"}],
             "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 48}, {"buffer": 0, "byteOffset": 48, "byteLength": 24}],
             "accessors": [{"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3", "min": [0, 0, 0], "max": [0.1, 0.1, 0.1]},
                           {"bufferView": 1, "componentType": 5123, "count": 12, "type": "SCALAR"}]}
            """
        try gltf.write(toFile: p.root + "/my_robot/meshes/t.gltf", atomically: true, encoding: .utf8)
        for name in ["t.stl", "t.gltf"] {
            let link = try parse("package://my_robot/meshes/\(name)", p).links[0]
            #expect(link.collision.count == 1 && link.collision[0].shape.triangleMesh?.triangleCount == 4, "\(name)")
            #expect(abs((link.visual[0].shape.triangleMesh?.bounds.upper.z ?? 0) - 0.2) < 1e-6, "\(name)")
        }
        let green = try #require(try parse("package://my_robot/meshes/t.gltf", p).links[0].visual[0].color)
        #expect(abs(green.g - 0.6) < 1e-3 && abs(green.r - 0.2) < 1e-3, "\(green)")
    }

    @Test func namesLeavingTheRootsAreRefused() throws {
        let p = try Self.makePackage()
        defer { try? FileManager.default.removeItem(atPath: (p.root as NSString).deletingLastPathComponent) }
        let cases: [(String, String)] = [
            ("package://my_robot/../../outside/secret.obj", "leaves its package"),
            ("../../../outside/secret.obj", "mesh files must lie inside"),
            (p.outside, "absolute path"),
            ("file://" + p.outside, "absolute path"),
            ("package://my_robot/meshes/link.obj", "symbolic link"),
            ("package://other_robot/meshes/two.obj", "BENCHTOP_PACKAGE_PATH"),
        ]
        for (name, why) in cases {
            #expect(
                performing: { try parse(name, p) },
                throws: { e in
                    guard let u = e as? URDFError else { return false }
                    return u.element == "robot/link[base]/collision[0]/geometry/mesh@filename" && u.description.contains(why)
                })
        }
    }

    @Test func theSearchPathComesFromTheEnvironmentInOrder() throws {
        let p = try Self.makePackage()
        defer { try? FileManager.default.removeItem(atPath: (p.root as NSString).deletingLastPathComponent) }
        let path = PackagePath(roots: ["/no/such/plugin"], environment: ["BENCHTOP_PACKAGE_PATH": "/no/such/dir:\(p.root)"])
        #expect(path.roots == [FileRoot.realPath(p.root)!])
        #expect(path.missing == ["/no/such/plugin", "/no/such/dir"])
        let found = try path.resolvePackage("package://my_robot/meshes/two.obj")
        #expect(found.path == FileRoot.realPath(p.root + "/my_robot/meshes/two.obj"))
        // A root named like the package serves it too (pybullet_data's package://meshes/... from the URDF folder).
        let own = PackagePath(roots: [p.root + "/my_robot"], environment: [:])
        #expect(try own.resolvePackage("package://my_robot/meshes/two.obj").path == found.path)
    }
}

/// The Franka Panda exactly as pybullet_data publishes it (`pip install pybullet==3.2.7`, scripts/setup.sh --test),
/// loaded as a data-only plugin: meshes in every link, and the whole conformance suite passes.
@Suite(.serialized) struct PandaPybulletTests {
    static let plugin = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Plugins/PandaPybullet").path

    static func load() throws -> EmbodimentDescriptor {
        setenv(PackagePath.environmentKey, try pybulletDataPath(), 1)
        let registry = EmbodimentRegistry()
        try registry.loadPlugins(at: plugin)
        return try registry.embodiment(named: "panda_pybullet")
    }

    @Test func everyLinkWithGeometryHasMeshesAndThePluginConforms() throws {
        let d = try Self.load()
        let withGeometry = d.articulation.links.filter { !$0.collision.isEmpty }
        #expect(withGeometry.count == 11)  // link0-7, hand, two fingers
        for link in withGeometry {
            #expect(link.collision.count == 1 && link.collision[0].shape.triangleMesh != nil, "\(link.name)")
            #expect(!link.visual.isEmpty && link.visual.allSatisfy { $0.shape.triangleMesh != nil }, "\(link.name)")
        }
        let checks = ConformanceSuite.run(d)
        for c in checks { print("[panda_pybullet] \(c)") }
        #expect(checks.count == 8 && checks.allSatisfy(\.passed), "\(checks.filter { !$0.passed })")
    }

    @Test func withoutThePackagePathTheErrorSaysWhatToSet() throws {
        _ = try pybulletDataPath()
        let saved = ProcessInfo.processInfo.environment[PackagePath.environmentKey]
        unsetenv(PackagePath.environmentKey)
        defer { if let saved { setenv(PackagePath.environmentKey, saved, 1) } }
        #expect(
            performing: { try EmbodimentRegistry().loadPlugins(at: Self.plugin) },
            throws: { e in
                guard let m = e as? ManifestError else { return false }
                return m.keyPath == "urdf" && m.message.contains("franka_panda") && m.message.contains("BENCHTOP_PACKAGE_PATH")
            })
    }

    @Test func thePublishedLookDressesTheShippedFrankaWithoutChangingItsPhysics() throws {
        setenv(PackagePath.environmentKey, try pybulletDataPath(), 1)
        let registry = EmbodimentRegistry()
        try registry.register(FrankaPlugin.self)
        let before = try registry.embodiment(named: "franka")
        #expect(try registry.applyPublishedLooks() == ["franka", "franka_droid"])
        let after = try registry.embodiment(named: "franka")
        for (a, b) in zip(before.articulation.links, after.articulation.links) {
            #expect(a.collision == b.collision && a.inertial == b.inertial, "\(a.name)")
            #expect(b.visual.allSatisfy { $0.shape.triangleMesh != nil } && !b.visual.isEmpty, "\(a.name)")
        }
        #expect(before.articulation.joints == after.articulation.joints)
    }
}
