import ArgumentParser
import BenchtopCore
import BenchtopImage
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import Foundation

/// `benchtop render SCENE --camera NAME --out DIR`: headless camera images as PNG files.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a scene camera headless (EGL): RGB, colourised depth and segmentation PNGs.")

    @Argument(help: "Scene file, or a name under scenes/.")
    var scene: String

    @Option(name: .customLong("camera"), help: "Camera name (repeatable; default: every camera of the scene).")
    var cameras: [String] = []

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Seed for the scene's randomised layout.")
    var seed: UInt64 = 0

    @Option(help: "Physics steps to run before rendering (lets objects settle).")
    var steps: Int = 0

    @Option(help: "Shadow map size in texels (0 disables shadows).")
    var shadowMap: Int = 1024

    @Option(help: "Embodiment to place (overrides the scene's robots block); its mounted cameras become renderable.")
    var robot: String?

    @Flag(help: "Render the scene without its robots.")
    var noRobots = false

    @OptionGroup var plugins: EmbodimentPathOptions

    func validate() throws {
        // 10^8 steps are hours of physics before one picture: a typo, not a render.
        try FlagRules.check("--steps", steps, in: 0...100_000_000)
        try FlagRules.check("--shadow-map", shadowMap, in: 0...8192, unit: "texels")
        try FlagRules.onlyWhen(!noRobots, [("--robot", robot != nil)], "without --no-robots")
    }

    func run() throws {
        let (s, world) = try sceneWithRobots(scene, robot: robot, noRobots: noRobots, seed: seed, plugins: plugins)
        if steps > 0 { try world.step(steps) }
        let snapshot = world.snapshot()
        let names = cameras.isEmpty ? s.cameras.map(\.name) : cameras
        guard !names.isEmpty else { throw ValidationError("scene '\(s.name)' defines no cameras") }
        let renderer: CameraRenderer
        do { renderer = try CameraRenderer(scene: s, bodies: world.bodies, shadowMapSize: shadowMap) } catch {
            throw ValidationError("\(error) (headless rendering needs Mesa's EGL: apt-get install libegl-mesa0 libgl1-mesa-dri)")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in names {
            let images: CameraImages
            do { images = try renderer.images(of: snapshot, camera: name) } catch { throw ValidationError(error.description) }
            let camera = try renderer.camera(named: name)
            guard let rgb = images.rgb, let depth = images.depth, let ids = images.segmentation else { continue }
            let base = (out as NSString).appendingPathComponent(name)
            try PNG.write(rgb, to: base + "_rgb.png")
            let seen = depth.values.filter { $0 < Float(camera.far) }
            let colour = DepthColormap.colorize(depth, near: seen.min() ?? Float(camera.near), far: seen.max() ?? Float(camera.far))
            try PNG.write(colour, to: base + "_depth.png")
            let millimetres = depth.values.map { UInt16(min(max($0 * 1000, 0), 65535).rounded()) }
            try PNG.encodeGray16(width: depth.width, height: depth.height, samples: millimetres)
                .write(to: URL(fileURLWithPath: base + "_depth_mm.png"))
            try PNG.write(SegmentationPalette.colorize(ids), to: base + "_segmentation.png")
            let visible = Set(ids.ids.filter { $0 >= 0 }).sorted().map { id in
                Int(id) < world.bodies.count ? world.bodies[Int(id)].name : "#\(id)"
            }
            print(
                "\(name) \(rgb.width)x\(rgb.height): \(base)_{rgb,depth,depth_mm,segmentation}.png; "
                    + "depth \(String(format: "%.3f", seen.min() ?? 0))-\(String(format: "%.3f", seen.max() ?? 0)) m; "
                    + "visible: \(visible.joined(separator: ", "))")
        }
        print("renderer: \(renderer.context.renderer)")
    }
}

/// Distinct colours for segmentation ids (background black), stable across runs.
enum SegmentationPalette {
    static func colorize(_ image: SegmentationImage) -> RGBImage {
        var out = RGBImage(width: image.width, height: image.height)
        for (i, id) in image.ids.enumerated() where id >= 0 {
            let c = color(Int(id))
            out.pixels[3 * i] = c.0
            out.pixels[3 * i + 1] = c.1
            out.pixels[3 * i + 2] = c.2
        }
        return out
    }

    /// Golden-angle hues at full saturation: neighbouring ids get clearly different colours.
    static func color(_ id: Int) -> (UInt8, UInt8, UInt8) {
        let h = (Double(id) * 137.508).truncatingRemainder(dividingBy: 360) / 60
        let x = 1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)
        let (r, g, b): (Double, Double, Double) =
            switch Int(h) {
            case 0: (1, x, 0)
            case 1: (x, 1, 0)
            case 2: (0, 1, x)
            case 3: (0, x, 1)
            case 4: (x, 0, 1)
            default: (1, 0, x)
            }
        let v = id % 2 == 0 ? 0.95 : 0.7
        return (UInt8(r * v * 255), UInt8(g * v * 255), UInt8(b * v * 255))
    }
}
