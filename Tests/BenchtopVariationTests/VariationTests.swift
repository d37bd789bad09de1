import BenchtopCore
import BenchtopPhysics
import BenchtopRender
import BenchtopRobot
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return "."
}()

let registry: EmbodimentRegistry = {
    let r = EmbodimentRegistry()
    try! r.register(FrankaPlugin.self)
    return r
}()

func loadScene(_ name: String) throws -> Scene { try SceneLoader.load(path: "\(repositoryRoot)/scenes/\(name).yaml") }

/// The robots' joints as the sweep runner passes them.
func context(_ scene: Scene) throws -> VariationContext {
    var robots: [String: RobotJoints] = [:]
    let placements = try RobotAssembly.placements(scene: scene, robot: nil, registry: registry)
    for (p, d) in placements {
        robots[p.name] = RobotJoints(
            home: d.homePositions, armJoints: d.arms.flatMap { $0.joints.compactMap(d.jointIndex(named:)) },
            limits: d.joints.map { $0.lower...$0.upper })
    }
    let mounted = RobotAssembly.addingMountedCameras(to: scene, placements: placements).cameras.filter { c in
        !scene.cameras.contains { $0.name == c.name }
    }
    return VariationContext(robots: robots, mountedCameras: mounted)
}

/// Names of the scene fields that differ, at the granularity the axes promise to touch.
func changedFields(_ a: Scene, _ b: Scene) -> Set<String> {
    var out = Set<String>()
    if a.name != b.name || a.description != b.description { out.insert("name") }
    if a.physics != b.physics { out.insert("physics") }
    if a.table.color != b.table.color { out.insert("table.color") }
    if a.table.texture != b.table.texture { out.insert("table.texture") }
    if a.table.friction != b.table.friction { out.insert("table.friction") }
    var ta = a.table
    var tb = b.table
    ta.color = tb.color
    ta.texture = tb.texture
    ta.friction = tb.friction
    if ta != tb { out.insert("table.other") }
    if a.lights != b.lights { out.insert("lights") }
    if a.background != b.background { out.insert("background") }
    if a.cameras != b.cameras { out.insert("cameras") }
    if a.robots.map(\.initialJoints) != b.robots.map(\.initialJoints) { out.insert("robots.joints") }
    if a.robots.map({ ($0.name, $0.embodiment, $0.base) }).elementsEqual(b.robots.map({ ($0.name, $0.embodiment, $0.base) }), by: ==) == false {
        out.insert("robots.other")
    }
    if a.task?.instruction != b.task?.instruction { out.insert("task.instruction") }
    if a.task?.success != b.task?.success || a.task?.stages != b.task?.stages || a.task?.timeLimit != b.task?.timeLimit { out.insert("task.other") }
    if b.objects.count > a.objects.count { out.insert("objects.added") }
    if b.objects.count < a.objects.count { out.insert("objects.removed") }
    for (x, y) in zip(a.objects, b.objects) {
        if x.name != y.name {
            out.insert("objects.renamed")
            continue
        }
        if x.asset != y.asset { out.insert("object.asset") }
        if x.color != y.color { out.insert("object.color") }
        if x.mass != y.mass { out.insert("object.mass") }
        if x.friction != y.friction { out.insert("object.friction") }
        if x.randomization != y.randomization { out.insert("object.randomization") }
        if x.texture != y.texture { out.insert("object.texture") }
        var p = x
        var q = y
        p.asset = q.asset
        p.color = q.color
        p.mass = q.mass
        p.friction = q.friction
        p.randomization = q.randomization
        p.texture = q.texture
        if p != q { out.insert("object.other") }
    }
    return out
}

/// What each axis may change.
let allowed: [VariationAxis: Set<String>] = [
    .distractors: ["objects.added"],
    .novelObjects: ["object.asset", "object.color", "object.texture"],
    .layout: ["object.randomization"],
    .robotInit: ["robots.joints"],
    .lighting: ["lights"],
    .background: ["table.color", "table.texture", "background"],
    .camera: ["cameras"],
    .language: ["task.instruction"],
    .physics: ["object.mass", "object.friction", "table.friction"],
    .sensorNoise: [],
]

@Suite struct VariationAxisTests {
    @Test(arguments: ["pick_cube", "place_in_bowl", "stack_blocks", "push_to_target"])
    func everyAxisChangesWhatItShouldAndNothingElse(sceneName: String) throws {
        let scene = try loadScene(sceneName)
        let ctx = try context(scene)
        for axis in VariationAxis.allCases {
            let zero = try Variations.apply(scene, axis: axis, level: 0, seed: 7, context: ctx)
            #expect(zero.scene == scene && zero.sensorNoise == nil, "\(sceneName) \(axis) level 0 must be the scene as recorded")
            for level in 1...VariationAxis.maxLevel {
                let v = try Variations.apply(scene, axis: axis, level: level, seed: 7, context: ctx)
                let changed = changedFields(scene, v.scene)
                let may = try #require(allowed[axis])
                #expect(changed.isSubset(of: may), "\(sceneName) \(axis)@\(level) changed \(changed.subtracting(may))")
                if axis == .sensorNoise {
                    #expect(v.sensorNoise != nil && changed.isEmpty)
                } else {
                    #expect(!changed.isEmpty, "\(sceneName) \(axis)@\(level) changed nothing")
                }
                #expect(!v.changes.isEmpty)
                // Novel objects touch only the object the task manipulates.
                if axis == .novelObjects {
                    let target = try #require(scene.task?.success.objectNames.first)
                    for (a, b) in zip(scene.objects, v.scene.objects) where a.name != target { #expect(a == b) }
                }
                if axis == .distractors {
                    #expect(Array(v.scene.objects.prefix(scene.objects.count)) == scene.objects)
                    #expect(v.scene.objects.dropFirst(scene.objects.count).allSatisfy { $0.name.hasPrefix("distractor_") })
                }
            }
        }
    }

    @Test func theSameSeedReproducesTheVariationBitForBit() throws {
        let scene = try loadScene("place_in_bowl")
        let ctx = try context(scene)
        for axis in VariationAxis.allCases {
            for level in 1...VariationAxis.maxLevel {
                let a = try Variations.apply(scene, axis: axis, level: level, seed: 42, context: ctx)
                let b = try Variations.apply(scene, axis: axis, level: level, seed: 42, context: ctx)
                #expect(a == b, "\(axis)@\(level)")
                #expect(a.changes == b.changes)
                let c = try Variations.apply(scene, axis: axis, level: level, seed: 43, context: ctx)
                #expect(a != c, "\(axis)@\(level): another seed should give another variation")
            }
        }
    }

    @Test func higherLevelsMoveFurther() throws {
        let scene = try loadScene("pick_cube")
        let ctx = try context(scene)
        var counts: [Int] = []
        var intensities: [Double] = []
        var spans: [Double] = []
        var offsets: [Double] = []
        for level in 0...3 {
            counts.append(try Variations.apply(scene, axis: .distractors, level: level, seed: 3).scene.objects.count)
            let light = try Variations.apply(scene, axis: .lighting, level: level, seed: 3).scene.lights[0]
            intensities.append(abs(light.intensity - scene.lights[0].intensity))
            let r = try #require(try Variations.apply(scene, axis: .layout, level: level, seed: 3).scene.objects[0].randomization)
            spans.append(r.y.upperBound - r.y.lowerBound)
            let q = try #require(
                try Variations.apply(scene, axis: .robotInit, level: level, seed: 3, context: ctx).scene.robots[0].initialJoints
                    ?? ctx.robots["robot"]?.home)
            let home = try #require(ctx.robots["robot"]?.home)
            offsets.append(zip(q, home).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(counts == [1, 3, 5, 7])
        #expect(intensities == intensities.sorted() && intensities[3] > 0)
        #expect(spans == spans.sorted() && spans[3] > spans[0])
        #expect(offsets == offsets.sorted() && offsets[3] > 0 && offsets[3] <= 0.15 + 1e-12)
    }

    @Test func languageLevelsAreSynonymsParaphrasesAndNonsense() throws {
        let scene = try loadScene("place_in_bowl")
        var rng = SeededRandom(seed: 1)
        let original = try #require(scene.task?.instruction)
        let l1 = try #require(try Variations.apply(scene, axis: .language, level: 1, seed: 5).scene.task?.instruction)
        let l2 = try #require(try Variations.apply(scene, axis: .language, level: 2, seed: 5).scene.task?.instruction)
        let l3 = try #require(try Variations.apply(scene, axis: .language, level: 3, seed: 5).scene.task?.instruction)
        #expect(l1 != original && l1.contains("green"), "\(l1)")
        #expect(l2.contains(l1), "a paraphrase wraps the synonym variant: \(l2) / \(l1)")
        let vocabulary = Set(original.split(separator: " ") + l1.split(separator: " ") + ["green"])
        #expect(l3.split(separator: " ").allSatisfy { !vocabulary.contains($0) }, "\(l3)")
        #expect(Paraphraser.vary(original, level: 0, rng: &rng) == original)
    }

    @Test func levelsOutOfRangeAreRejected() throws {
        let scene = try loadScene("pick_cube")
        #expect(throws: VariationError.self) { try Variations.apply(scene, axis: .camera, level: 4, seed: 0) }
        #expect(throws: VariationError.self) { try Variations.apply(scene, axis: .robotInit, level: 1, seed: 0) }
    }

    @Test func sensorNoiseIsSeededAndBounded() {
        let noise = SensorNoise(imageStandardDeviation: 8, stateStandardDeviation: 0.01, seed: 9)
        var a = RGBImage(width: 16, height: 16, fill: (128, 128, 128))
        var b = a
        var c = a
        noise.apply(to: &a, episodeSeed: 1, time: 0.5, camera: "primary")
        noise.apply(to: &b, episodeSeed: 1, time: 0.5, camera: "primary")
        noise.apply(to: &c, episodeSeed: 1, time: 0.6, camera: "primary")
        #expect(a == b && a != c)
        let deviation = (a.pixels.map { (Double($0) - 128) * (Double($0) - 128) }.reduce(0, +) / Double(a.pixels.count)).squareRoot()
        #expect(deviation > 6 && deviation < 10, "sample deviation \(deviation)")
        var s = [0.0, 1.0]
        var t = s
        noise.apply(to: &s, episodeSeed: 1, time: 0.5)
        noise.apply(to: &t, episodeSeed: 1, time: 0.5)
        #expect(s == t && s != [0.0, 1.0])
    }
}

@Suite struct DistractorPlacementTests {
    /// Builds the varied scene with its robot and checks, after one physics step, that no distractor touches
    /// anything but the table, and that each lies on the table and clear of the task objects' reachable area.
    @Test(arguments: ["pick_cube", "place_in_bowl", "stack_blocks", "push_to_target"])
    func distractorsNeverOverlapAndStayOnTheTable(sceneName: String) throws {
        let scene = try loadScene(sceneName)
        let taskNames = Set(scene.task?.success.objectNames ?? [])
        for level in 1...3 {
            for seed: UInt64 in 0..<6 {
                let v = try Variations.apply(scene, axis: .distractors, level: level, seed: seed)
                let added = v.scene.objects.dropFirst(scene.objects.count)
                #expect(added.count == [0, 2, 4, 6][level], "\(sceneName)@\(level) seed \(seed): \(v.changes)")
                let t = v.scene.table
                for d in added {
                    let r = Placement.footprintRadius(d.asset)
                    #expect(abs(d.position.x - t.center.x) + r <= t.size.x / 2 && abs(d.position.y - t.center.y) + r <= t.size.y / 2)
                    for o in scene.objects where taskNames.contains(o.name) {
                        let gap =
                            Placement.distance(SIMD2(d.position.x, d.position.y), to: Placement.centreRegion(o))
                            - r - Placement.footprintRadius(o.asset)
                        #expect(gap >= [0, 0.12, 0.06, 0.02][level] - 1e-9, "\(d.name) is \(gap) m from \(o.name)")
                    }
                }
                let (world, _) = try RobotAssembly.makeWorld(scene: v.scene, seed: seed, robot: nil, registry: registry)
                try world.step(1)
                let ids = Set(added.compactMap { world.bodyID(named: $0.name) })
                #expect(ids.count == added.count)
                let table = world.bodyID(named: "table")
                for c in world.contacts() where ids.contains(c.bodyA) || ids.contains(c.bodyB) {
                    let other = ids.contains(c.bodyA) ? c.bodyB : c.bodyA
                    #expect(other == table, "\(sceneName)@\(level) seed \(seed): \(world.bodies[c.bodyA].name) touches \(world.bodies[c.bodyB].name)")
                }
                // Resting on the table top, not sunk into it or floating.
                let snap = world.snapshot()
                for id in ids {
                    let z = snap.bodies[id].pose.position.z - world.bodies[id].parts.map { $0.shape.halfExtents.z }.max()!
                    #expect(z > t.height - 0.01, "\(world.bodies[id].name) below the table top")
                }
            }
        }
    }
}

/// Rendered images and world snapshots: perceptual axes change the picture and not the world; physical axes
/// that are invisible at rest (physics) change neither picture nor initial snapshot.
@Suite(.serialized) struct VariationRenderingTests {
    /// Renders as the environment does: the embodiment's mounted cameras join the scene's (scene cameras win).
    func render(_ scene: Scene, seed: UInt64, camera: String = "primary") throws -> (RGBImage, WorldSnapshot) {
        var s = RobotAssembly.addingMountedCameras(to: scene, placements: try RobotAssembly.placements(scene: scene, robot: nil, registry: registry))
        for i in s.cameras.indices {
            s.cameras[i].width = 64
            s.cameras[i].height = 64
        }
        let (world, _) = try RobotAssembly.makeWorld(scene: s, seed: seed, robot: nil, registry: registry)
        let renderer = try CameraRenderer(scene: s, bodies: world.bodies, shadowMapSize: 256)
        let snapshot = world.snapshot()
        let rgb = try #require(try renderer.images(of: snapshot, camera: camera).rgb)
        return (rgb, snapshot)
    }

    @Test func cameraAxisMovesTheEmbodimentsMountedCameras() throws {
        let scene = try loadScene("pick_cube")
        let ctx = try context(scene)
        let wrist = try #require(ctx.mountedCameras.first { if case .link = $0.mount { true } else { false } })
        #expect(!scene.cameras.contains { $0.name == wrist.name })
        let v = try Variations.apply(scene, axis: .camera, level: 2, seed: 4, context: ctx)
        let moved = try #require(v.scene.cameras.first { $0.name == wrist.name })
        #expect(moved != wrist && v.changes.contains { $0.hasPrefix("camera \(wrist.name):") })
        // The scene's own cameras move exactly as without the context (mounted cameras draw after them).
        let plain = try Variations.apply(scene, axis: .camera, level: 2, seed: 4)
        #expect(Array(v.scene.cameras.prefix(scene.cameras.count)) == plain.scene.cameras)
        let (base, baseSnapshot) = try render(scene, seed: 4, camera: wrist.name)
        let (image, snapshot) = try render(v.scene, seed: 4, camera: wrist.name)
        #expect(snapshot == baseSnapshot && image != base)
    }

    @Test func perceptualAxesChangeTheImageNotTheWorld() throws {
        let scene = try loadScene("pick_cube")
        let (base, baseSnapshot) = try render(scene, seed: 4)
        for axis in [VariationAxis.lighting, .background, .camera] {
            let v = try Variations.apply(scene, axis: axis, level: 2, seed: 4)
            let (image, snapshot) = try render(v.scene, seed: 4)
            #expect(snapshot == baseSnapshot, "\(axis) moved the world")
            #expect(image != base, "\(axis) did not change the picture")
        }
        // Physics and language are invisible at rest: same picture, same snapshot.
        for axis in [VariationAxis.physics, .language] {
            let v = try Variations.apply(scene, axis: axis, level: 3, seed: 4)
            let (image, snapshot) = try render(v.scene, seed: 4)
            #expect(snapshot == baseSnapshot && image == base, "\(axis) changed the picture or the world")
        }
        // Level 3 novel objects always carry a procedural texture, which the renderer draws: the same variation
        // without it gives another picture of the same world.
        for seed in UInt64(1)...4 {
            let novel = try Variations.apply(scene, axis: .novelObjects, level: 3, seed: seed)
            let target = try #require(novel.scene.objects.firstIndex { $0.name == scene.task?.success.objectNames.first })
            #expect(novel.scene.objects[target].texture != nil)
            var plain = novel.scene
            plain.objects[target].texture = nil
            let (textured, st) = try render(novel.scene, seed: 4)
            let (untextured, su) = try render(plain, seed: 4)
            #expect(st == su && textured != untextured, "seed \(seed): texture \(String(describing: novel.scene.objects[target].texture))")
        }
        // The same variation renders to the same bytes.
        let v = try Variations.apply(scene, axis: .distractors, level: 3, seed: 4)
        let (a, sa) = try render(v.scene, seed: 4)
        let (b, sb) = try render(v.scene, seed: 4)
        #expect(a == b && sa == sb && a != base)
        // Distractors leave the original bodies where they were.
        for id in 0..<(2 + scene.objects.count) { #expect(sa.bodies[id].pose == baseSnapshot.bodies[id].pose) }
    }
}

@Suite struct NewAssetTests {
    @Test func bottleEllipsoidAndPrismLoadAndRestOnTheTable() throws {
        let yaml = """
            name: assets
            objects:
              - {name: bottle, asset: bottle, radius: 0.03, height: 0.16, mass: 0.2, position: [0.4, -0.2]}
              - {name: fruit, asset: ellipsoid, size: [0.07, 0.06, 0.05], mass: 0.1, position: [0.4, 0.0]}
              - {name: toy, asset: prism, sides: 6, radius: 0.03, height: 0.04, mass: 0.05, position: [0.4, 0.2]}
            """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-assets-\(getpid()).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let scene = try SceneLoader.load(path: url.path)
        #expect(scene.objects.map(\.asset.kindName) == ["bottle", "ellipsoid", "prism"])
        let world = try World(scene: scene, seed: 0)
        try world.step(480)
        for o in scene.objects {
            let id = try #require(world.bodyID(named: o.name))
            let z = world.snapshot().bodies[id].pose.position.z
            #expect(
                abs(z - (scene.table.height + o.asset.halfExtents.z)) < 0.004, "\(o.name) rests at \(z), initially \(world.initialPoses[id].position)"
            )
        }
        let bad = yaml.replacingOccurrences(of: "sides: 6", with: "sides: 2")
        try bad.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: SceneError.self) { try SceneLoader.load(path: url.path) }
    }
}
