import BenchtopCore
import BenchtopMesh
import BenchtopScene
import Foundation
import Testing

/// Mesh and URDF objects in scenes: files, roots, colours, joints and the errors that name what is wrong.
@Suite struct ObjectAssetTests {
    static let scenes = "\(SceneLoaderTests.root)/scenes"

    func parse(_ yaml: String, in dir: String = scenes) throws -> Scene {
        try SceneLoader.parse(yaml, file: "\(dir)/inline.yaml")
    }

    func error(_ yaml: String, in dir: String = scenes) -> String {
        do {
            _ = try parse(yaml, in: dir)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func anOBJReadsWithItsMaterialColoursCentredOnItsBox() throws {
        let s = try parse("objects:\n  - {name: nut, asset: mesh, file: assets/toy_nut.obj, mass: 0.05, position: [0.5, 0]}\n")
        guard case .mesh(let mesh) = s.objects[0].asset else {
            Issue.record("expected a mesh asset")
            return
        }
        #expect(mesh.parts.count == 2)
        // The MTL's Kd colours (Assimp keeps them in single precision).
        let colours = mesh.parts.compactMap(\.color)
        for expected in [Color(0.95, 0.45, 0.1), Color(0.15, 0.15, 0.2)] {
            #expect(colours.contains { abs($0.r - expected.r) + abs($0.g - expected.g) + abs($0.b - expected.b) < 1e-6 }, "\(colours)")
        }
        #expect(abs(mesh.halfExtents.x - 0.025) < 1e-6 && abs(mesh.halfExtents.z - 0.02) < 1e-6)
        var lo = SIMD3<Double>(repeating: 1)
        var hi = SIMD3<Double>(repeating: -1)
        for p in mesh.parts {
            if case .mesh(let m) = p.shape {
                lo = pointwiseMin(lo, m.bounds.lower)
                hi = pointwiseMax(hi, m.bounds.upper)
            }
        }
        #expect(length(lo + hi) < 1e-9, "the asset frame is the bounding box centre")
        #expect(s.objects[0].rollingFriction > 0, "a mesh may roll: it gets the round-object default")
    }

    @Test func anSTLOfTheSameShapeHasTheSameVolumeAndDensityGivesTheMass() throws {
        let s = try parse(
            """
            objects:
              - {name: a, asset: mesh, file: assets/toy_nut.obj, density: 1000, position: [0.5, 0]}
              - {name: b, asset: mesh, file: assets/toy_nut.stl, density: 1000, scale: 2, position: [0.5, 0.2]}
            """)
        // A regular hexagonal prism: (3 sqrt 3 / 2) R^2 H with R = 2.5 cm, H = 4 cm.
        let volume = 1.5 * 3.0.squareRoot() * 0.025 * 0.025 * 0.04
        // The OBJ keeps 6 decimals and Assimp single precision: equal to 1e-4 relative.
        #expect(abs(s.objects[0].mass / (1000 * volume) - 1) < 1e-4)
        #expect(abs(s.objects[1].mass / (1000 * volume * 8) - 1) < 1e-4, "scale 2: eight times the volume")
    }

    @Test func badMeshReferencesNameTheFileAndTheKey() throws {
        #expect(
            error("objects:\n  - {name: a, asset: mesh, file: assets/nope.obj, mass: 1, position: [0.5, 0]}\n")
                .contains("objects[0].file: no file 'assets/nope.obj'"))
        #expect(
            error("objects:\n  - {name: a, asset: mesh, file: assets/toy_nut.mtl, mass: 1, position: [0.5, 0]}\n")
                .contains("objects[0].file: expected a file ending in one of"))
        #expect(
            error("objects:\n  - {name: a, asset: mesh, file: /etc/hostname.obj, mass: 1, position: [0.5, 0]}\n")
                .contains("not an absolute path"))
        #expect(
            error("objects:\n  - {name: a, asset: mesh, file: ../Package.obj, mass: 1, position: [0.5, 0]}\n")
                .contains("objects[0].file"))
        #expect(
            error("objects:\n  - {name: a, asset: mesh, file: assets/toy_nut.obj, mass: 1, density: 5, position: [0.5, 0]}\n")
                .contains("either 'mass' or 'density'"))
    }

    /// A mesh whose MTL lies outside the root: Assimp's file system never opens it.
    @Test func nothingOutsideTheRootIsRead() throws {
        let top = NSTemporaryDirectory() + "benchtop-root-\(UUID().uuidString.prefix(8))"
        let inner = top + "/inner"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: top) }
        try "newmtl red\nKd 1 0 0\n".write(toFile: top + "/outside.mtl", atomically: true, encoding: .utf8)
        try "mtllib ../outside.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nusemtl red\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
            .write(toFile: inner + "/t.obj", atomically: true, encoding: .utf8)
        let confined = try MeshFile.load(path: inner + "/t.obj", root: inner)
        #expect(confined.allSatisfy { $0.color != Color(1, 0, 0) }, "the MTL outside the root was not read")
        let open = try MeshFile.load(path: inner + "/t.obj", root: top)
        #expect(open.contains { $0.color == Color(1, 0, 0) }, "inside the root it is")
        #expect(throws: MeshError.self) { try MeshFile.load(path: top + "/outside.mtl", root: inner) }
    }

    @Test func assetPathFindsFilesOutsideTheSceneDirectory() throws {
        let dir = NSTemporaryDirectory() + "benchtop-scene-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = "objects:\n  - {name: a, asset: urdf, file: cabinet_drawer.urdf, position: [0.7, 0]}\n"
        #expect(error(yaml, in: dir).contains("add its directory to the scene's asset_path"))
        let s = try parse("asset_path: [\(Self.scenes)/assets]\n" + yaml, in: dir)
        #expect(s.objects[0].asset.kindName == "urdf")
    }

    @Test func anArticulatedURDFObjectKeepsItsJointsAndChecksTheirNames() throws {
        let s = try parse(
            """
            objects:
              - {name: cabinet, asset: urdf, file: assets/cabinet_drawer.urdf, joints: {drawer_slide: 0.05}, position: [0.7, 0]}
            task:
              instruction: open it
              success: {open: {object: cabinet, joint: drawer_slide}}
            """)
        guard case .urdf(let u) = s.objects[0].asset else {
            Issue.record("expected a urdf asset")
            return
        }
        #expect(u.fixedBase && !u.isRigid)
        #expect(u.spec.movableJoints.map(\.name) == ["drawer_slide"])
        #expect(u.spec.movableJoints[0].damping > 0 && u.spec.movableJoints[0].friction > 0)
        #expect(u.initialPositions == [0.05])
        #expect(s.task?.success == .joint(object: "cabinet", joint: "drawer_slide", measure: .openFraction, range: 0.8...Double.infinity))

        let object = "objects:\n  - {name: cabinet, asset: urdf, file: assets/cabinet_drawer.urdf, position: [0.7, 0]}\n"
        #expect(
            error(object + "task: {instruction: x, success: {open: {object: cabinet, joint: lid}}}\n")
                .contains("task.success.open.joint: no movable joint 'lid' in 'cabinet'; joints: drawer_slide"))
        #expect(
            error(
                "objects:\n  - {name: c, asset: cube, size: 0.05, mass: 0.1, position: [0.5, 0]}\n"
                    + "task: {instruction: x, success: {closed: {object: c, joint: j}}}\n"
            ).contains("not an articulated object"))
        #expect(
            error(object.replacingOccurrences(of: "position", with: "joints: {hinge: 1}, position"))
                .contains("objects[0].joints.hinge: no movable joint 'hinge'"))
        #expect(
            error(object + "task: {instruction: x, success: {joint: {object: cabinet, joint: drawer_slide}}}\n")
                .contains("give 'above' and/or 'below'"))
    }

    @Test func aOneLinkURDFIsARigidObjectWithItsVisualColours() throws {
        let s = try parse("objects:\n  - {name: tray, asset: urdf, file: assets/tray_handles.urdf, position: [0.5, 0]}\n")
        guard case .urdf(let u) = s.objects[0].asset else {
            Issue.record("expected a urdf asset")
            return
        }
        #expect(u.isRigid)
        #expect(abs(s.objects[0].mass - 0.4) < 1e-12, "the URDF's inertial mass")
        #expect(Set(s.objects[0].asset.parts.compactMap(\.color)).count == 2, "tray and handle materials")
        #expect(abs(u.halfExtents.x - 0.171) < 1e-9, "the handles stand out 2.1 cm beyond the 30 cm tray")
    }
}
