import BenchtopCore
import BenchtopPhysics
import BenchtopRender
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// Metric depth of a scene camera at the world's reset state: what `benchtop depth encode SCENE` and
/// `benchtop tokenizer train` consume.
protocol SceneDepthRenderer {
    /// Depth seen by `camera` in `scene` laid out with `seed`; `eyeOffset` (metres, world frame) moves the
    /// camera to vary training views.
    func depth(scene: Scene, seed: UInt64, camera: String, eyeOffset: SIMD3<Double>) throws -> DepthImage
}

/// The one place the depth source is chosen: the EGL renderer; the CPU ray caster only when asked for
/// (`--raycast`: a test-fixture generator for machines without OpenGL, not the product path).
enum SceneDepth {
    static func makeRenderer(raycast: Bool = false) throws -> any SceneDepthRenderer {
        raycast ? PrimitiveRaycaster() : EGLDepthRenderer()
    }
}

/// Metric z-depth from the headless EGL renderer (`BenchtopRender`) of the scene with its robots.
/// One renderer per scene is kept, so training over many layouts builds its GL state once.
final class EGLDepthRenderer: SceneDepthRenderer {
    private var renderers: [String: CameraRenderer] = [:]

    func depth(scene: Scene, seed: UInt64, camera name: String, eyeOffset: SIMD3<Double>) throws -> DepthImage {
        // The scene's robots stand in their home poses, as the model sees them at the start of an episode.
        let world =
            scene.robots.isEmpty
            ? try World(scene: scene, seed: seed)
            : try CompiledScene(scene: scene, registry: EmbodimentRegistry.shared).makeWorld(seed: seed, mode: nil).0
        let snapshot = world.snapshot()
        let key = "\(scene.name)#\(scene.hashValue)"
        let renderer: CameraRenderer
        if let cached = renderers[key] {
            renderer = cached
        } else {
            do { renderer = try CameraRenderer(scene: scene, bodies: world.bodies, shadowMapSize: 0) } catch {
                throw PrimitiveRaycaster.Failure(
                    description: "\(error) (headless rendering needs Mesa's EGL: apt-get install libegl-mesa0 libgl1-mesa-dri)")
            }
            renderers[key] = renderer
        }
        do {
            var pinhole = try renderer.pinhole(named: name, snapshot: snapshot)
            pinhole.pose.position += eyeOffset
            guard let depth = try renderer.renderer.render(snapshot, camera: pinhole, outputs: .depth).depth else {
                throw PrimitiveRaycaster.Failure(description: "renderer returned no depth for camera '\(name)'")
            }
            return depth
        } catch let error as RenderError {
            throw PrimitiveRaycaster.Failure(description: error.description)
        }
    }
}

/// A CPU ray caster over the world's collision primitives (boxes, spheres, cylinders, capsules; convex hulls as
/// their bounding boxes). Depth is the distance along the optical axis; misses read the camera's far distance.
/// Robots are not drawn (their meshes come from embodiment plugins).
struct PrimitiveRaycaster: SceneDepthRenderer {
    struct Failure: Error, CustomStringConvertible { var description: String }

    func depth(scene: Scene, seed: UInt64, camera name: String, eyeOffset: SIMD3<Double>) throws -> DepthImage {
        guard let camera = scene.cameras.first(where: { $0.name == name }) else {
            throw Failure(description: "scene \(scene.name) has no camera '\(name)'; cameras: \(scene.cameras.map(\.name).joined(separator: ", "))")
        }
        let world = try World(scene: scene, seed: seed)
        let snapshot = world.snapshot()
        var parts: [(Pose, Shape)] = []
        for (id, body) in world.bodies.enumerated() where body.kind != .robotLink {
            for part in body.parts { parts.append((snapshot.bodies[id].pose * part.pose, part.shape)) }
        }
        let (eye, forward, up, right): (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
        switch camera.mount {
        case .lookAt(let e, let target, let u):
            let f = normalize(target - e)
            let r = normalize(cross(f, u))
            (eye, forward, up, right) = (e + eyeOffset, f, cross(r, f), r)
        case .pose(let pose):
            let q = pose.orientation
            (eye, forward, up, right) = (pose.position + eyeOffset, q.act(SIMD3(0, 0, -1)), q.act(SIMD3(0, 1, 0)), q.act(SIMD3(1, 0, 0)))
        case .link(let robot, let link, _):
            throw Failure(description: "camera '\(name)' rides on \(robot)/\(link); the ray-cast stand-in renders fixed cameras only")
        }
        let w = camera.width
        let h = camera.height
        let fx: Double
        let fy: Double
        let cx: Double
        let cy: Double
        switch camera.intrinsics {
        case .verticalFieldOfView(let degrees):
            fy = Double(h) / 2 / tan(degrees * .pi / 360)
            fx = fy
            cx = Double(w) / 2
            cy = Double(h) / 2
        case .focal(let a, let b, let c, let d):
            (fx, fy, cx, cy) = (a, b, c, d)
        }
        let locals = parts.map { ($0.0.inverse, $0.1) }
        var values = [Float](repeating: Float(camera.far), count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let dir = normalize(right * ((Double(x) + 0.5 - cx) / fx) - up * ((Double(y) + 0.5 - cy) / fy) + forward)
                var best = Double.infinity
                for (inverse, shape) in locals {
                    let o = inverse.transform(eye)
                    let d = inverse.orientation.act(dir)
                    if let t = hit(shape, origin: o, direction: d), t < best { best = t }
                }
                let z = best * dot(dir, forward)
                if z.isFinite && z >= camera.near && z <= camera.far { values[y * w + x] = Float(z) }
            }
        }
        return DepthImage(width: w, height: h, values: values)
    }

    private func hit(_ shape: Shape, origin o: SIMD3<Double>, direction d: SIMD3<Double>) -> Double? {
        switch shape {
        case .box(let e): return box(lo: -e, hi: e, o, d)
        case .sphere(let r): return sphere(center: .zero, r, o, d)
        case .cylinder(let r, let hh): return cylinder(r, hh, o, d)
        case .capsule(let r, let hh):
            return [cylinder(r, hh, o, d), sphere(center: SIMD3(0, 0, hh), r, o, d), sphere(center: SIMD3(0, 0, -hh), r, o, d)]
                .compactMap { $0 }.min()
        case .convexHull, .mesh:
            let points = shape.hullPoints ?? []
            guard let first = points.first else { return nil }
            var lo = first
            var hi = first
            for p in points {
                lo = pointwiseMin(lo, p)
                hi = pointwiseMax(hi, p)
            }
            return box(lo: lo, hi: hi, o, d)
        }
    }

    private func box(lo: SIMD3<Double>, hi: SIMD3<Double>, _ o: SIMD3<Double>, _ d: SIMD3<Double>) -> Double? {
        var tNear = -Double.infinity
        var tFar = Double.infinity
        for i in 0..<3 {
            if abs(d[i]) < 1e-12 {
                if o[i] < lo[i] || o[i] > hi[i] { return nil }
            } else {
                let a = (lo[i] - o[i]) / d[i]
                let b = (hi[i] - o[i]) / d[i]
                tNear = max(tNear, min(a, b))
                tFar = min(tFar, max(a, b))
            }
        }
        guard tNear <= tFar, tFar > 0 else { return nil }
        return tNear > 0 ? tNear : nil
    }

    private func sphere(center: SIMD3<Double>, _ r: Double, _ o: SIMD3<Double>, _ d: SIMD3<Double>) -> Double? {
        let oc = o - center
        let b = dot(oc, d)
        let c = dot(oc, oc) - r * r
        let disc = b * b - c
        guard disc >= 0 else { return nil }
        let t = -b - disc.squareRoot()
        return t > 0 ? t : nil
    }

    private func cylinder(_ r: Double, _ hh: Double, _ o: SIMD3<Double>, _ d: SIMD3<Double>) -> Double? {
        var best: Double?
        let a = d.x * d.x + d.y * d.y
        if a > 1e-12 {
            let b = o.x * d.x + o.y * d.y
            let c = o.x * o.x + o.y * o.y - r * r
            let disc = b * b - a * c
            if disc >= 0 {
                let t = (-b - disc.squareRoot()) / a
                if t > 0 && abs(o.z + t * d.z) <= hh { best = t }
            }
        }
        if abs(d.z) > 1e-12 {
            for cap in [hh, -hh] {
                let t = (cap - o.z) / d.z
                let px = o.x + t * d.x
                let py = o.y + t * d.y
                if t > 0 && px * px + py * py <= r * r && t < (best ?? .infinity) { best = t }
            }
        }
        return best
    }
}

private func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
private func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / dot(v, v).squareRoot() }
