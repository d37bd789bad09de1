import BenchtopCore
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import BenchtopTestSupport
import Foundation
import Testing

/// Mesh objects on camera: a PNG texture map drawn through the mesh's texture coordinates, and an asset library
/// installed by pip (pybullet_data) found through `asset_path` and BENCHTOP_ASSET_PATH, loaded, settled and drawn.
@Suite(.serialized) struct MeshObjectRenderTests {
    static let scenes = "\(RenderTests.root)/scenes"

    static let look = """
        lights:
          - {direction: [-0.2, 0.1, -1.0], intensity: 1.0, shadows: false}
        cameras:
          - {name: top, position: [0.5, 0.0, 1.15], look_at: [0.5, 0.0, 0.75], fov: 40, resolution: [256, 256]}
        """

    /// The die's top face: its white pip in the middle and red around it (the atlas's top-left cell), segmented as
    /// the die; a texture changes colours only, never ids.
    @Test func theDiesTopFaceShowsItsPipInItsColourUnderItsOwnID() throws {
        let context = try HeadlessContext()
        let scene = try SceneLoader.parse(
            "objects:\n  - {name: die, asset: mesh, file: assets/toy_die.obj, mass: 0.03, position: [0.5, 0.0]}\n" + Self.look,
            file: "\(Self.scenes)/inline.yaml")
        let world = try World(scene: scene)
        let snapshot = world.snapshot()
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let images = try cameras.images(of: snapshot, camera: "top")
        let rgb = try #require(images.rgb)
        let ids = try #require(images.segmentation)
        let camera = try cameras.pinhole(named: "top", snapshot: snapshot)
        let die = try #require(world.bodyID(named: "die"))
        let pose = snapshot.bodies[die].pose
        func at(_ local: SIMD3<Double>) throws -> (rgb: (r: UInt8, g: UInt8, b: UInt8), id: Int32) {
            let p = try #require(camera.project(pose.transform(local))).pixel
            return (rgb[Int(p.x), Int(p.y)], ids[Int(p.x), Int(p.y)])
        }
        let pip = try at(SIMD3(0, 0, 0.025))
        #expect(pip.rgb.r > 200 && pip.rgb.g > 200 && pip.rgb.b > 200, "pip \(pip.rgb)")
        let face = try at(SIMD3(0.013, -0.013, 0.025))
        // Lit red (the light and its highlight lift every channel): red well above green and blue.
        #expect(face.rgb.r > 200 && Int(face.rgb.g) < Int(face.rgb.r) / 2 && Int(face.rgb.b) < Int(face.rgb.r) / 2, "face \(face.rgb)")
        #expect(Int(pip.rgb.g) > Int(face.rgb.g) + 80, "the pip is white, the face red")
        #expect(pip.id == Int32(die) && face.id == Int32(die))
        // Every pixel of the die's colours carries its id: count the die's pixels both ways.
        let dieIDs = ids.ids.filter { $0 == Int32(die) }.count
        #expect(dieIDs > 400, "the die covers \(dieIDs) pixels")
        _ = context
    }

    static let library = """
        objects:
          - {name: duck, asset: mesh, file: duck.obj, scale: 0.05, orientation: [1.5708, 0, 0], mass: 0.1, position: [0.45, -0.08]}
          - {name: mug, asset: urdf, file: objects/mug.urdf, position: [0.55, 0.08]}
          - {name: lego, asset: urdf, file: lego/lego.urdf, position: [0.45, 0.1]}
        """

    /// pybullet_data's textured duck (OBJ + MTL + PNG), mug (URDF with visual and collision meshes) and lego brick
    /// (URDF) rest on the table and show on camera, each under its own id.
    @Test func pybulletDataObjectsLoadSettleAndRender() throws {
        let context = try HeadlessContext()
        let data = try pybulletDataPath()
        let scene = try SceneLoader.parse("asset_path: [\(data)]\n" + Self.library + "\n" + Self.look, file: "\(Self.scenes)/inline.yaml")
        // The same files through BENCHTOP_ASSET_PATH instead of the scene's key.
        let roots = try AssetRoots(sceneFile: "\(Self.scenes)/inline.yaml", environment: ["BENCHTOP_ASSET_PATH": "/nonexistent:\(data)"])
        #expect(try roots.resolve("objects/mug.urdf").path == URL(fileURLWithPath: data + "/objects/mug.urdf").standardizedFileURL.path)
        guard case .mesh(let duck) = scene.objects[0].asset else { throw TestSupportError("duck.obj did not load as a mesh") }
        #expect(duck.parts.contains { $0.texture?.name == "duckCM.png" && $0.texture?.width == 512 })

        let world = try World(scene: scene)
        try world.step(480)
        let snapshot = world.snapshot()
        for name in ["duck", "mug", "lego"] {
            let id = try #require(world.bodyID(named: name))
            let p = snapshot.bodies[id].pose.position
            #expect(p.z > 0.75 && p.z < 0.85 && abs(p.x - 0.5) < 0.15 && abs(p.y) < 0.2, "\(name) rests on the table at \(p)")
        }
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let images = try cameras.images(of: snapshot, camera: "top")
        let rgb = try #require(images.rgb)
        let ids = try #require(images.segmentation)
        var mean: [String: SIMD3<Double>] = [:]
        for name in ["duck", "mug", "lego"] {
            let id = Int32(try #require(world.bodyID(named: name)))
            var sum = SIMD3<Double>.zero
            var n = 0.0
            for y in 0..<ids.height {
                for x in 0..<ids.width where ids[x, y] == id {
                    let c = rgb[x, y]
                    sum += SIMD3(Double(c.r), Double(c.g), Double(c.b))
                    n += 1
                }
            }
            #expect(n > 100, "\(name) is on camera (\(n) pixels)")
            mean[name] = sum / max(n, 1)
        }
        // The duck's texture is yellow; its MTL's Kd alone is grey (0.64, 0.64, 0.64).
        let d = mean["duck"]!
        #expect(d.x > 1.5 * d.z && d.y > 1.3 * d.z, "the duck is drawn with duckCM.png: mean colour \(d)")
        // lego.urdf's own yellow material shows (the OBJ names an MTL that does not exist).
        let l = mean["lego"]!
        #expect(l.x > 1.5 * l.z && l.y > 1.5 * l.z, "the brick is the URDF's yellow: \(l)")
        _ = context
    }

    /// pybullet_data's JPEG-textured objects: the tray (tray.jpg, 853x1461, brushed metal) and the domino
    /// (domino.jpg) load with their maps, rest on the table and show on camera.
    @Test func pybulletDataJPEGTexturedObjectsLoadAndRender() throws {
        let context = try HeadlessContext()
        let data = try pybulletDataPath()
        let scene = try SceneLoader.parse(
            """
            asset_path: [\(data)]
            objects:
              - {name: tray, asset: urdf, file: tray/tray.urdf, mass: 0.5, position: [0.5, 0.0]}
              - {name: domino, asset: urdf, file: domino/domino.urdf, position: [0.35, 0.45]}
            lights:
              - {direction: [-0.2, 0.1, -1.0], intensity: 1.0, shadows: false}
            cameras:
              - {name: top, position: [0.5, 0.1, 1.9], look_at: [0.5, 0.1, 0.75], fov: 45, resolution: [256, 256]}
            """, file: "\(Self.scenes)/inline.yaml")
        func textures(_ index: Int) -> [TextureImage] {
            guard case .urdf(let urdf) = scene.objects[index].asset else { return [] }
            return urdf.spec.links.flatMap { $0.visual.compactMap(\.texture) }
        }
        #expect(textures(0).contains { $0.name == "tray.jpg" && $0.width == 853 && $0.height == 1461 }, "\(textures(0).map(\.name))")
        #expect(textures(1).contains { $0.name == "domino.jpg" }, "\(textures(1).map(\.name))")
        let world = try World(scene: scene)
        try world.step(240)
        let snapshot = world.snapshot()
        let cameras = try CameraRenderer(scene: scene, bodies: world.bodies)
        let images = try cameras.images(of: snapshot, camera: "top")
        let ids = try #require(images.segmentation)
        for name in ["tray", "domino"] {
            let id = Int32(try #require(world.bodyID(named: name)))
            let p = snapshot.bodies[Int(id)].pose.position
            #expect(p.z > 0.74 && p.z < 0.9, "\(name) rests on the table at \(p)")
            #expect(ids.ids.filter { $0 == id }.count > 5, "\(name) is on camera")
        }
        _ = context
    }
}
