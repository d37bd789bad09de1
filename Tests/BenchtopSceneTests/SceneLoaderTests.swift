import BenchtopCore
import BenchtopScene
import Foundation
import Testing

@Suite struct SceneLoaderTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()

    /// Every scene file shipped in scenes/.
    static let shippedScenes: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/scenes")) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func theShippedScenesAreFound() {
        #expect(
            Set([
                "pick_cube", "pick_cube_small", "place_in_bowl", "place_in_bowl_small", "stack_blocks",
                "stack_blocks_small", "push_to_target",
            ]).isSubset(of: Set(Self.shippedScenes)), "\(Self.shippedScenes)")
    }

    @Test(arguments: shippedScenes)
    func shippedScenesLoad(name: String) throws {
        let scene = try SceneLoader.load(path: "\(Self.root)/scenes/\(name).yaml")
        #expect(scene.name == name)
        #expect(scene.task != nil)
        #expect(scene.cameras.contains { $0.name == "primary" })
        #expect(scene.robots.first?.embodiment == "franka")
    }

    @Test func fullSceneParsesEveryField() throws {
        let scene = try SceneLoader.parse(
            """
            name: full
            physics: {time_step: 0.002, solver_iterations: 20, gravity: [0, 0, -9.8]}
            table: {size: [0.8, 1.0], center: [0.3, 0.1], height: 0.7, friction: 0.5, texture: checker, color: [0.1, 0.2, 0.3]}
            objects:
              - {name: mug, asset: mug, radius: 0.04, height: 0.09, mass: 0.3, color: white, position: [0.4, 0.0], yaw: 0.5, texture: dots,
                 randomize: {x: [-0.01, 0.01], yaw: [-0.1, 0.1]}}
              - {name: bin, asset: bin, size: [0.3, 0.2, 0.1], static: true, position: [0.5, 0.2, 0.75]}
            cameras:
              - {name: top, position: [0.5, 0, 1.5], orientation: [3.14159, 0, 0], intrinsics: {fx: 200, fy: 200, cx: 128, cy: 96}, resolution: [256, 192]}
              - {name: wrist, mount: {robot: r, link: hand, position: [0, 0, 0.05]}, fov: 60}
            robots: [{name: r, embodiment: franka, position: [0, 0, 0.7], yaw: 0.1}]
            task: {instruction: put the mug in the bin, success: {all: [{in: {object: mug, container: bin}}, {not: {grasped: {object: mug}}}]}}
            """, file: "full.yaml")
        #expect(scene.physics.timeStep == 0.002 && scene.physics.solverIterations == 20)
        #expect(scene.table.texture == .checker && scene.table.height == 0.7)
        #expect(scene.objects[0].asset == .mug(radius: 0.04, height: 0.09, wall: 0.005))
        #expect(scene.objects[0].randomization?.x == -0.01...0.01)
        #expect(scene.objects[0].texture == .dots && scene.objects[1].texture == nil)
        #expect(scene.objects[1].isStatic && !scene.objects[1].restsOnTable)
        #expect(scene.cameras[0].intrinsics == .focal(fx: 200, fy: 200, cx: 128, cy: 96) && scene.cameras[0].height == 192)
        #expect(scene.cameras[1].mount == .link(robot: "r", link: "hand", offset: Pose(position: SIMD3(0, 0, 0.05))))
        #expect(scene.task?.success == .all([.inside(object: "mug", container: "bin"), .not(.grasped(object: "mug"))]))
    }

    /// Each class of bad input fails with the file, the key path and what was expected.
    @Test(
        arguments: [
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: 0.1, position: [0, 0], colour: red}]",
                SceneError.Kind.unknownKey, "objects[0].colour", "unknown key 'colour'"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, position: [0, 0]}]",
                .missingKey, "objects[0]", "missing required key 'mass'"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: heavy, position: [0, 0]}]",
                .wrongType, "objects[0].mass", "expected a number"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: -1, position: [0, 0]}]",
                .outOfRange, "objects[0].mass", "expected a positive number"
            ),
            (
                "objects: [{name: a, asset: teapot, mass: 1, position: [0, 0]}]",
                .unknownAsset, "objects[0].asset", "unknown asset 'teapot'"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: 1, position: [0, 0]}]\ntask: {instruction: x, success: {lifted: {object: b}}}",
                .unknownName, "task.success.lifted.object", "no object named 'b'"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: 1, position: [0, 0]}, {name: a, asset: sphere, radius: 0.02, mass: 1, position: [0.1, 0]}]",
                .duplicateName, "objects[1].name", "duplicate object name 'a'"
            ),
            (
                "table: {size: [1, 1], height: 0.7, texture: marble}",
                .outOfRange, "table.texture", "unknown texture 'marble'"
            ),
            (
                "objects: [{name: a, asset: cube, size: 0.05, mass: 1, position: [0, 0]}, {name: b, asset: cube, size: 0.05, mass: 1, position: [0.1, 0], texture: plaid}]",
                .outOfRange, "objects[1].texture", "unknown object texture 'plaid'; expected one of: stripes, checker, dots, noise"
            ),
            (
                "cameras: [{name: c, position: [1, 0, 1], look_at: [0, 0, 0], resolution: [256]}]",
                .wrongType, "cameras[0].resolution", "expected [width, height]"
            ),
            (
                "objects: [{name: a, asset: bowl, radius: 0.05, height: 0.04, mass: 0.2, position: [0, 0], wall: 0.05}]",
                .outOfRange, "objects[0].wall", "thinner than"
            ),
            (
                "task: {instruction: x, success: {floating: {object: a}}}",
                .unknownKey, "task.success.floating", "unknown key 'floating'"
            ),
            (
                "objects: [ {name: a",
                .syntax, "", "not valid YAML"
            ),
        ] as [(String, SceneError.Kind, String, String)])
    func badInputNamesTheKeyPath(yaml: String, kind: SceneError.Kind, keyPath: String, message: String) {
        do {
            _ = try SceneLoader.parse(yaml, file: "bad.yaml")
            Issue.record("expected \(kind) at \(keyPath)")
        } catch let e as SceneError {
            #expect(e.kind == kind, "\(e)")
            #expect(e.keyPath == keyPath, "\(e)")
            #expect(e.message.contains(message), "\(e)")
            #expect(e.description.hasPrefix("bad.yaml"), "\(e)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func errorsCarryTheLineNumber() {
        let yaml = "name: x\nobjects:\n  - name: a\n    asset: cube\n    size: 0.05\n    mass: -2\n    position: [0, 0]\n"
        #expect(throws: SceneError.self) { try SceneLoader.parse(yaml, file: "lines.yaml") }
        do { _ = try SceneLoader.parse(yaml, file: "lines.yaml") } catch let e as SceneError {
            #expect(e.line == 6, "\(e)")
            #expect(e.description == "lines.yaml:6: objects[0].mass: expected a positive number, got -2.0")
        } catch { Issue.record("\(error)") }
    }

    @Test func missingFileIsReportedByPath() {
        do { _ = try SceneLoader.load(path: "/nonexistent/scene.yaml") } catch let e as SceneError {
            #expect(e.kind == .unreadable && e.file == "/nonexistent/scene.yaml")
        } catch { Issue.record("\(error)") }
    }
}
