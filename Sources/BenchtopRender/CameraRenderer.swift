import BenchtopCore
import BenchtopScene

/// Headless camera images of a scene's cameras: an EGL context plus a `SceneRenderer`, with cameras resolved by name
/// (including cameras mounted on robot links).
public final class CameraRenderer {
    public let scene: Scene
    public let context: HeadlessContext
    public let renderer: SceneRenderer

    /// Creates a headless context and a renderer for a world's bodies (`World.bodies`) in `scene`.
    public init(scene: Scene, bodies: [BodyDescription], shadowMapSize: Int = 1024) throws(RenderError) {
        self.scene = scene
        context = try HeadlessContext()
        renderer = try SceneRenderer(scene: scene, bodies: bodies, shadowMapSize: shadowMapSize)
    }

    /// The scene camera with a given name.
    public func camera(named name: String) throws(RenderError) -> Camera {
        guard let camera = scene.cameras.first(where: { $0.name == name }) else {
            let known = scene.cameras.map(\.name)
            throw .invalidRequest(
                "scene '\(scene.name)' has no camera '\(name)'"
                    + (known.isEmpty ? " (it defines no cameras)" : "; cameras: \(known.joined(separator: ", "))"))
        }
        return camera
    }

    /// The pinhole model of a named camera at the instant of `snapshot`.
    public func pinhole(named name: String, snapshot: WorldSnapshot) throws(RenderError) -> PinholeCamera {
        let camera = try camera(named: name)
        do {
            return try camera.pinhole(bodies: renderer.bodies, snapshot: snapshot)
        } catch {
            throw .invalidRequest(error.description)
        }
    }

    /// Renders the named cameras' images of `snapshot` (the shadow map and body poses are shared between them).
    public func images(
        of snapshot: WorldSnapshot, cameras names: [String],
        outputs: RenderOutputs = .all
    ) throws(RenderError) -> [CameraImages] {
        var cameras: [PinholeCamera] = []
        for name in names { cameras.append(try pinhole(named: name, snapshot: snapshot)) }
        return try renderer.render(snapshot, cameras: cameras, outputs: outputs)
    }

    /// Renders the named cameras' images of `snapshot`, each with its own outputs.
    public func images(of snapshot: WorldSnapshot, requests: [(camera: String, outputs: RenderOutputs)]) throws(RenderError) -> [CameraImages] {
        var cameras: [(camera: PinholeCamera, outputs: RenderOutputs)] = []
        for (name, outputs) in requests { cameras.append((try pinhole(named: name, snapshot: snapshot), outputs)) }
        return try renderer.render(snapshot, cameras: cameras)
    }

    /// Renders one named camera's images of `snapshot`.
    public func images(
        of snapshot: WorldSnapshot, camera name: String,
        outputs: RenderOutputs = .all
    ) throws(RenderError) -> CameraImages {
        try images(of: snapshot, cameras: [name], outputs: outputs)[0]
    }
}
