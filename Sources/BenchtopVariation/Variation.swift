import BenchtopCore
import BenchtopScene
import Foundation

/// A scene moved along one variation axis, plus the settings an environment applies that a scene cannot hold.
public struct Variation: Sendable, Hashable {
    public var axis: VariationAxis
    public var level: Int
    public var seed: UInt64
    /// The varied scene (the language axis changes `task.instruction`).
    public var scene: Scene
    /// Noise the environment adds to observations (the sensor-noise axis only).
    public var sensorNoise: SensorNoise?
    /// One line per change, for people reading `scene vary` and reports.
    public var changes: [String]
}

/// What a variation needs to know about the robots that the scene file does not say.
public struct VariationContext: Sendable {
    /// Per robot placement name: its home joint positions and the indices (into them) of arm joints to perturb,
    /// with their limits.
    public var robots: [String: RobotJoints]
    /// Cameras the robots' embodiments mount (as the environment adds them, e.g. a wrist camera). The camera
    /// axis adds those the scene lacks to the varied scene and moves them with the rest; the environment then
    /// keeps them, since a scene camera of the same name wins.
    public var mountedCameras: [Camera]
    public init(robots: [String: RobotJoints] = [:], mountedCameras: [Camera] = []) {
        self.robots = robots
        self.mountedCameras = mountedCameras
    }
}

/// A robot's joints as the robot-init axis perturbs them.
public struct RobotJoints: Sendable {
    public var home: [Double]
    public var armJoints: [Int]
    public var limits: [ClosedRange<Double>]
    public init(home: [Double], armJoints: [Int], limits: [ClosedRange<Double>]) {
        self.home = home
        self.armJoints = armJoints
        self.limits = limits
    }
}

/// Why a variation cannot be made.
public struct VariationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Variations as pure functions: (scene, axis, level, seed) -> scene. The same inputs give the same bits.
///
/// Each axis draws from its own stream (`fork("variation/<axis>")`) and scales level-independent draws by the
/// level, so level 2 moves the same way as level 1, only further.
public enum Variations {
    public static func apply(
        _ scene: Scene, axis: VariationAxis, level: Int, seed: UInt64,
        context: VariationContext = .init()
    ) throws -> Variation {
        guard (0...VariationAxis.maxLevel).contains(level) else {
            throw VariationError("level \(level) of axis '\(axis.rawValue)' is out of range; expected 0 ... \(VariationAxis.maxLevel)")
        }
        var v = Variation(axis: axis, level: level, seed: seed, scene: scene, sensorNoise: nil, changes: [])
        guard level > 0 else { return v }
        var rng = SeededRandom(seed: seed).fork("variation/\(axis.rawValue)")
        let l = Double(level)
        switch axis {
        case .distractors: try Distractors.add(to: &v, level: level, rng: &rng)
        case .novelObjects: try NovelObjects.replace(in: &v, level: level, rng: &rng)
        case .layout: widenLayout(&v, level: l)
        case .robotInit: try offsetJoints(&v, level: l, rng: &rng, context: context)
        case .lighting: varyLights(&v, level: l, rng: &rng)
        case .background: varyBackground(&v, level: level, rng: &rng)
        case .camera:
            // Mounted cameras go after the scene's, so the scene cameras' draws do not depend on them.
            for cam in context.mountedCameras where !v.scene.cameras.contains(where: { $0.name == cam.name }) {
                v.scene.cameras.append(cam)
            }
            moveCameras(&v, level: l, rng: &rng)
        case .language:
            guard var task = v.scene.task else { throw VariationError("the language axis needs a scene with a task") }
            let old = task.instruction
            task.instruction = Paraphraser.vary(old, level: level, rng: &rng)
            v.scene.task = task
            v.changes.append("instruction: \"\(old)\" -> \"\(task.instruction)\"")
        case .physics: varyPhysics(&v, level: l, rng: &rng)
        case .sensorNoise:
            let noise = SensorNoise(imageStandardDeviation: 4 * l, stateStandardDeviation: 0.002 * l, seed: rng.next())
            v.sensorNoise = noise
            v.changes.append(
                String(
                    format: "sensor noise: image sigma %.1f (of 255), state sigma %.4f", noise.imageStandardDeviation,
                    noise.stateStandardDeviation))
        }
        return v
    }

    /// A draw in [-1, 1).
    static func signed(_ rng: inout SeededRandom) -> Double { rng.uniform(-1, 1) }

    // MARK: - Layout

    /// Widens every object's placement ranges (x by 2.5 cm, y by 4 cm, yaw by 0.35 rad per level), keeping the
    /// object's footprint on the table. The episode seed then draws positions from the wider ranges.
    static func widenLayout(_ v: inout Variation, level l: Double) {
        let t = v.scene.table
        for i in v.scene.objects.indices {
            var o = v.scene.objects[i]
            guard o.restsOnTable else { continue }
            let r = o.randomization ?? PlacementRandomization()
            let footprint = Placement.footprintRadius(o.asset)
            func widened(_ range: ClosedRange<Double>, by d: Double, nominal: Double, lo: Double, hi: Double) -> ClosedRange<Double> {
                let a = max(range.lowerBound - d, lo - nominal)
                let b = min(range.upperBound + d, hi - nominal)
                return a <= b ? a...b : range
            }
            let xs = (t.center.x - t.size.x / 2 + footprint + 0.02, t.center.x + t.size.x / 2 - footprint - 0.02)
            let ys = (t.center.y - t.size.y / 2 + footprint + 0.02, t.center.y + t.size.y / 2 - footprint - 0.02)
            var n = r
            n.x = widened(r.x, by: 0.025 * l, nominal: o.position.x, lo: xs.0, hi: xs.1)
            n.y = widened(r.y, by: 0.04 * l, nominal: o.position.y, lo: ys.0, hi: ys.1)
            let yaw = min(max(-r.yaw.lowerBound, r.yaw.upperBound) + 0.35 * l, Double.pi)
            n.yaw = -yaw...yaw
            o.randomization = n
            v.scene.objects[i] = o
            v.changes.append(
                String(
                    format: "%@: x %+.3f...%+.3f, y %+.3f...%+.3f, yaw ±%.2f rad", o.name, n.x.lowerBound, n.x.upperBound,
                    n.y.lowerBound, n.y.upperBound, yaw))
        }
    }

    // MARK: - Robot init

    /// Offsets each arm joint from home by up to 0.05 rad per level, within its limits.
    static func offsetJoints(_ v: inout Variation, level l: Double, rng: inout SeededRandom, context: VariationContext) throws {
        for i in v.scene.robots.indices {
            let name = v.scene.robots[i].name
            guard let info = context.robots[name] else {
                throw VariationError("robot_init needs the home pose of robot '\(name)' (pass the embodiments in the variation context)")
            }
            var q = v.scene.robots[i].initialJoints ?? info.home
            var offsets: [String] = []
            for j in info.armJoints where j < q.count {
                let d = signed(&rng) * 0.05 * l
                let lim = j < info.limits.count ? info.limits[j] : -Double.infinity...Double.infinity
                q[j] = min(max(q[j] + d, lim.lowerBound), lim.upperBound)
                offsets.append(String(format: "%+.3f", d))
            }
            v.scene.robots[i].initialJoints = q
            v.changes.append("\(name): arm joint offsets [\(offsets.joined(separator: ", "))] rad")
        }
    }

    // MARK: - Lighting

    /// Intensity x (1 ± 0.25 L), direction turned about z by up to 20° L and tilted by up to 8° L, colour
    /// temperature 6500 K ± 1200 K L.
    static func varyLights(_ v: inout Variation, level l: Double, rng: inout SeededRandom) {
        for i in v.scene.lights.indices {
            var light = v.scene.lights[i]
            let gain = 1 + 0.25 * l * signed(&rng)
            let turn = 20 * l * signed(&rng) * .pi / 180
            let tilt = 8 * l * signed(&rng) * .pi / 180
            let kelvin = 6500 + 1200 * l * signed(&rng)
            light.intensity *= gain
            var d = light.direction
            let len = (d * d).sum().squareRoot()
            d /= len
            // Turn about world z, then change the elevation while keeping the light pointing down.
            let c = cos(turn)
            let s = sin(turn)
            d = SIMD3(c * d.x - s * d.y, s * d.x + c * d.y, d.z)
            let horizontal = (d.x * d.x + d.y * d.y).squareRoot()
            var elevation = atan2(-d.z, horizontal) + tilt
            elevation = min(max(elevation, 0.25), Double.pi / 2 - 0.01)
            let heading = atan2(d.y, d.x)
            d = SIMD3(cos(elevation) * cos(heading), cos(elevation) * sin(heading), -sin(elevation))
            light.direction = d * len
            let tint = ColorTemperature.rgb(kelvin: kelvin)
            let white = ColorTemperature.rgb(kelvin: 6500)
            light.color = Color(light.color.r * tint.r / white.r, light.color.g * tint.g / white.g, light.color.b * tint.b / white.b)
            v.scene.lights[i] = light
            v.changes.append(
                String(
                    format: "light %d: intensity x%.2f, turned %+.1f°, tilted %+.1f°, %.0f K", i, gain, turn * 180 / .pi,
                    tilt * 180 / .pi, kelvin))
        }
    }

    // MARK: - Background

    /// Table colour and background colour blended towards random colours (30% per level); from level 2 the
    /// table texture changes too.
    static func varyBackground(_ v: inout Variation, level: Int, rng: inout SeededRandom) {
        let l = Double(level)
        let tableColor = randomColor(&rng)
        let backColor = randomColor(&rng)
        let others = TableTexture.allCases.filter { $0 != v.scene.table.texture }
        let texture = others[Int(rng.next() % UInt64(others.count))]
        let w = min(0.3 * l, 1)
        v.scene.table.color = mix(v.scene.table.color, tableColor, w)
        v.scene.background = mix(v.scene.background, backColor, w)
        if level >= 2 {
            v.changes.append("table texture: \(v.scene.table.texture.rawValue) -> \(texture.rawValue)")
            v.scene.table.texture = texture
        }
        v.changes.append(
            String(
                format: "table colour (%.2f, %.2f, %.2f), background (%.2f, %.2f, %.2f)", v.scene.table.color.r,
                v.scene.table.color.g, v.scene.table.color.b, v.scene.background.r, v.scene.background.g, v.scene.background.b))
    }

    static func randomColor(_ rng: inout SeededRandom) -> Color {
        Color(rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95))
    }

    static func mix(_ a: Color, _ b: Color, _ w: Double) -> Color {
        Color(a.r + (b.r - a.r) * w, a.g + (b.g - a.g) * w, a.b + (b.b - a.b) * w)
    }

    // MARK: - Camera

    /// Every scene camera moved by 2.5 to 5 cm per level (eye) and re-aimed by 1.25 to 2.5 cm per level (target)
    /// or turned by up to 3° per level; vertical field of view ± 4° per level. Cameras on robot links (the
    /// scene's and those the context says the embodiments mount) move by a quarter of that.
    static func moveCameras(_ v: inout Variation, level l: Double, rng: inout SeededRandom) {
        for i in v.scene.cameras.indices {
            var cam = v.scene.cameras[i]
            let move = unitVector(&rng) * (0.05 * l * (0.5 + 0.5 * abs(signed(&rng))))
            let aim = unitVector(&rng) * (0.025 * l * (0.5 + 0.5 * abs(signed(&rng))))
            let axis = unitVector(&rng)
            let angle = 3 * l * signed(&rng) * .pi / 180
            let fov = 4 * l * signed(&rng)
            switch cam.mount {
            case .lookAt(let eye, let target, let up):
                cam.mount = .lookAt(eye: eye + move, target: target + aim, up: up)
            case .pose(let p):
                cam.mount = .pose(Pose(position: p.position + move, orientation: Quaternion(axis: axis, angle: angle) * p.orientation))
            case .link(let robot, let link, let offset):
                cam.mount = .link(
                    robot: robot, link: link,
                    offset: Pose(
                        position: offset.position + move / 4,
                        orientation: Quaternion(axis: axis, angle: angle / 4) * offset.orientation))
            }
            var fovNote = ""
            var turned = abs(angle)
            if case .lookAt = cam.mount { turned = 0 }  // a look-at camera turns by being re-aimed
            switch cam.intrinsics {
            case .verticalFieldOfView(let deg):
                let n = min(max(deg + fov, 10), 120)
                cam.intrinsics = .verticalFieldOfView(degrees: n)
                fovNote = String(format: ", fov %.1f -> %.1f deg", deg, n)
            case .focal(let fx, let fy, let cx, let cy):
                let k = 1 / (1 + fov / 45)
                cam.intrinsics = .focal(fx: fx * k, fy: fy * k, cx: cx, cy: cy)
                fovNote = String(format: ", focal x%.3f", k)
            }
            v.scene.cameras[i] = cam
            v.changes.append(
                String(
                    format: "camera %@: moved %.3f m, re-aimed %.3f m, turned %.1f°%@", cam.name,
                    (move * move).sum().squareRoot(), (aim * aim).sum().squareRoot(), turned * 180 / .pi, fovNote))
        }
    }

    static func unitVector(_ rng: inout SeededRandom) -> SIMD3<Double> {
        let z = rng.uniform(-1, 1)
        let a = rng.uniform(0, 2 * .pi)
        let r = (1 - z * z).squareRoot()
        return SIMD3(r * cos(a), r * sin(a), z)
    }

    // MARK: - Physics

    /// Movable objects' mass x exp(± 0.35 L) and friction x exp(± 0.25 L); table friction x exp(± 0.15 L).
    static func varyPhysics(_ v: inout Variation, level l: Double, rng: inout SeededRandom) {
        for i in v.scene.objects.indices {
            let m = exp(0.35 * l * signed(&rng))
            let f = exp(0.25 * l * signed(&rng))
            guard !v.scene.objects[i].isStatic else { continue }
            v.scene.objects[i].mass *= m
            v.scene.objects[i].friction *= f
            v.changes.append(
                String(
                    format: "%@: mass x%.2f (%.3f kg), friction x%.2f (%.2f)", v.scene.objects[i].name, m,
                    v.scene.objects[i].mass, f, v.scene.objects[i].friction))
        }
        let t = exp(0.15 * l * signed(&rng))
        v.scene.table.friction *= t
        v.changes.append(String(format: "table friction x%.2f (%.2f)", t, v.scene.table.friction))
    }
}

/// Black-body colour temperature to linear RGB (Tanner Helland's fit, scaled to 0 ... 1).
enum ColorTemperature {
    static func rgb(kelvin: Double) -> Color {
        let t = min(max(kelvin, 1000), 40000) / 100
        func clamp(_ x: Double) -> Double { min(max(x / 255, 0), 1) }
        let r = t <= 66 ? 255 : 329.698727446 * pow(t - 60, -0.1332047592)
        let g = t <= 66 ? 99.4708025861 * log(t) - 161.1195681661 : 288.1221695283 * pow(t - 60, -0.0755148492)
        let b = t >= 66 ? 255 : (t <= 19 ? 0 : 138.5177312231 * log(t - 10) - 305.0447927307)
        return Color(clamp(r), clamp(g), clamp(b))
    }
}
