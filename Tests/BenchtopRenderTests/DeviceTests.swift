import BenchtopCore
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import Foundation
import Testing

/// EGL device selection (`BENCHTOP_EGL_DEVICE`) and the read-back paths. Serialized: each test owns GL contexts on
/// its thread.
@Suite(.serialized) struct DeviceTests {
    func pickCube() throws -> (Scene, World) {
        let scene = try SceneLoader.load(path: "\(RenderTests.root)/scenes/pick_cube.yaml")
        let world = try World(scene: scene, seed: 0)
        try world.step(40)
        return (scene, world)
    }

    /// Three cameras with every output, as the closed loop and the bench ask for them.
    func images(_ renderer: SceneRenderer, _ scene: Scene, _ world: World) throws -> [CameraImages] {
        let snapshot = world.snapshot()
        let cameras = try scene.cameras.map { try $0.pinhole(bodies: world.bodies, snapshot: snapshot) }
        return try renderer.render(snapshot, cameras: cameras + [cameras[0]], outputs: .all)
    }

    @Test func pixelBufferReadBackGivesTheSynchronousBytes() throws {
        let (scene, world) = try pickCube()
        let context = try HeadlessContext(device: nil)
        let renderer = try SceneRenderer(scene: scene, bodies: world.bodies)
        #expect(renderer.readBack == .pixelBuffers)
        let queued = try images(renderer, scene, world)
        renderer.readBack = .synchronous
        let synchronous = try images(renderer, scene, world)
        #expect(queued == synchronous)
        #expect(queued.count == scene.cameras.count + 1 && queued.allSatisfy { $0.rgb != nil && $0.depth != nil && $0.segmentation != nil })
        #expect(queued[0] == queued[queued.count - 1], "the same camera in two slots gives the same images")
        // Sizes and outputs that change between calls reuse or grow the pixel buffers without mixing them up.
        renderer.readBack = .pixelBuffers
        let snapshot = world.snapshot()
        var small = try scene.cameras[0].pinhole(bodies: world.bodies, snapshot: snapshot)
        small.width = 64
        small.height = 48
        let rgbOnly = try renderer.render(snapshot, camera: small, outputs: .rgb)
        renderer.readBack = .synchronous
        #expect(try renderer.render(snapshot, camera: small, outputs: .rgb) == rgbOnly)
        #expect(rgbOnly.rgb?.width == 64 && rgbOnly.depth == nil)
        _ = context
    }

    @Test func anEGLDeviceOutOfRangeIsAClearErrorNamingTheVariable() throws {
        let count = HeadlessContext.devices().count
        do {
            _ = try HeadlessContext(device: count + 3)
            Issue.record("device \(count + 3) of \(count) was accepted")
        } catch {
            #expect(error.description.contains("BENCHTOP_EGL_DEVICE=\(count + 3)"), "\(error)")
            if count > 0 { #expect(error.description.contains("out of range") && error.description.contains("0...\(count - 1)"), "\(error)") }
        }
        #expect(throws: RenderError.self) { try HeadlessContext.requestedDevice(["BENCHTOP_EGL_DEVICE": "gpu1"]) }
        #expect(throws: RenderError.self) { try HeadlessContext.requestedDevice(["BENCHTOP_EGL_DEVICE": "-1"]) }
        #expect(try HeadlessContext.requestedDevice(["BENCHTOP_EGL_DEVICE": " 2 "]) == 2)
        #expect(try HeadlessContext.requestedDevice(["BENCHTOP_EGL_DEVICE": ""]) == nil)
        #expect(try HeadlessContext.requestedDevice([:]) == nil)
    }

    /// Mesa lists its software rasteriser as an EGL device: chosen by index it gives the default display's pixels.
    @Test func aSoftwareDeviceChosenByIndexRendersTheDefaultDisplaysPixels() throws {
        let devices = HeadlessContext.devices()
        let software = try #require(devices.first { $0.isSoftware }, "Mesa's EGL lists no software device: \(devices)")
        let (scene, world) = try pickCube()
        let chosen = try HeadlessContext(device: software.index)
        #expect(chosen.displaySource.hasPrefix("EGL device \(software.index)"))
        let onDevice = try images(try SceneRenderer(scene: scene, bodies: world.bodies), scene, world)
        let fallback = try HeadlessContext(device: nil)
        #expect(!fallback.displaySource.hasPrefix("EGL device"), "with only a software device the default stays Mesa's surfaceless platform")
        let onDefault = try images(try SceneRenderer(scene: scene, bodies: world.bodies), scene, world)
        #expect(chosen.renderer == fallback.renderer)
        #expect(onDevice == onDefault)
    }
}
