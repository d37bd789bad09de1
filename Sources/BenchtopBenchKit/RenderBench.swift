import ArgumentParser
import BenchtopCore
import BenchtopImage
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import Foundation

/// `benchtop bench render`: camera frames per second (RGB + metric depth, 256x256 unless `--sizes` says otherwise) for
/// pick_cube with one and three cameras, next to PyBullet's TinyRenderer and MuJoCo's Renderer measured in the same run
/// (bench/render_peers.py). `--readback synchronous,pbo` times both read-back paths in the same run.
public struct RenderBench: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Camera images per second (256x256 RGB + depth) vs PyBullet and MuJoCo on the same scene.")

    @Option(help: "Scene to render.")
    var scene: String = "pick_cube"

    @Option(help: "Frames per trial.")
    var frames: Int = 300

    @Option(help: "Trials (the median is reported).")
    var trials: Int = 5

    @Option(help: "Peer script (empty: skip the peers).")
    var peers: String = "bench/render_peers.py"

    @Option(help: "Shadow map size in texels (0: no shadows).")
    var shadowMap: Int = 1024

    @Option(help: "Image sizes WIDTHxHEIGHT, comma-separated (e.g. 256x256,640x480).")
    var sizes: String = "256x256"

    @Option(help: "Read-back paths to time, comma-separated: pbo (the default path), synchronous.")
    var readback: String = "pbo"

    @Option(help: "Write the markdown table here as well.")
    var markdown: String?

    @Option(help: "Write each camera's RGB image of one snapshot here as PNG, per size (to look at what was measured).")
    var saveImages: String?

    public init() {}

    public func validate() throws {
        guard frames > 0, trials > 0 else { throw ValidationError("--frames and --trials must be > 0") }
        _ = try parsedSizes()
        _ = try parsedReadBacks()
    }

    private func parsedSizes() throws -> [(width: Int, height: Int)] {
        try sizes.split(separator: ",").map { item in
            let parts = item.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, (1...8192).contains(parts[0]), (1...8192).contains(parts[1]) else {
                throw ValidationError("--sizes: '\(item.prefix(20))' is not WIDTHxHEIGHT with sides 1...8192 (e.g. 640x480)")
            }
            return (parts[0], parts[1])
        }
    }

    private func parsedReadBacks() throws -> [ReadBack] {
        try readback.split(separator: ",").map { item in
            guard let mode = ReadBack(rawValue: String(item)) else {
                throw ValidationError("--readback: '\(item.prefix(20))' is not one of pbo, synchronous")
            }
            return mode
        }
    }

    public func run() throws {
        let s = try loadScene(scene)
        let world = try World(scene: s, seed: 0)
        // Snapshots of a running simulation, so every frame redraws body poses and the shadow map.
        var snapshots: [WorldSnapshot] = []
        for _ in 0..<50 {
            try world.step(2)
            snapshots.append(world.snapshot())
        }
        let renderer = try CameraRenderer(scene: s, bodies: world.bodies, shadowMapSize: shadowMap)
        let overhead = PinholeCamera(
            width: 256, height: 256, verticalFieldOfView: 45,
            pose: PinholeCamera.lookAt(
                eye: SIMD3(0.45, 0, 1.65), target: SIMD3(0.45, 0, 0.75),
                up: SIMD3(1, 0, 0)))
        func cameras(_ snapshot: WorldSnapshot, _ size: (width: Int, height: Int)) throws -> [PinholeCamera] {
            var list = try s.cameras.prefix(2).map { try renderer.pinhole(named: $0.name, snapshot: snapshot) }
            list.append(overhead)
            return list.map {
                var c = $0
                c.width = size.width
                c.height = size.height
                return c
            }
        }
        let robotLinks = world.bodies.filter { $0.kind == .robotLink }.count
        print("scene \(s.name): \(world.bodies.count) bodies (\(robotLinks) robot links)")
        print("renderer \(renderer.context.renderer), GL \(renderer.context.version), on the \(renderer.context.displaySource)")
        let readBacks = try parsedReadBacks()
        var table = "| Size | Renderer | 1 camera (frames/s) | 3 cameras (frames/s) | 3 / 1 | benchtop speed-up (1 / 3 cameras) |\n"
        table += "|---|---|---:|---:|---:|---|\n"
        for size in try parsedSizes() {
            let label = "\(size.width)x\(size.height)"
            var first: [Int: Double] = [:]
            for mode in readBacks {
                renderer.renderer.readBack = mode
                var ours: [Int: Double] = [:]
                for count in [1, 3] {
                    let sets = try snapshots.map { try Array(cameras($0, size).prefix(count)) }
                    _ = try renderer.renderer.render(snapshots[0], cameras: sets[0], outputs: [.rgb, .depth])  // warm-up
                    var rates: [Double] = []
                    for _ in 0..<trials {
                        let clock = ContinuousClock()
                        let start = clock.now
                        for i in 0..<frames {
                            let k = i % snapshots.count
                            _ = try renderer.renderer.render(snapshots[k], cameras: sets[k], outputs: [.rgb, .depth])
                        }
                        rates.append(Double(frames) / ((clock.now - start) / .seconds(1)))
                    }
                    ours[count] = median(rates)
                    print(
                        String(
                            format: "benchtop %@ %@ read-back, %d camera(s): %.0f frames/s (median of %d x %d)", label, mode.rawValue, count,
                            ours[count]!, trials, frames))
                }
                if first.isEmpty {
                    first = ours
                    if let saveImages { try save(renderer, snapshots[25], try cameras(snapshots[25], size), to: saveImages, label) }
                }
                table += String(
                    format: "| %@ | benchtop, %@ read-back (%@) | %.0f | %.0f | %.2f | - |\n", label, mode.rawValue, renderer.context.renderer,
                    ours[1]!, ours[3]!, ours[3]! / ours[1]!)
            }
            for (name, description, rates) in try peerRates(size) {
                let one = rates[1] ?? .nan
                let three = rates[3] ?? .nan
                table += String(
                    format: "| %@ | %@: %@ | %.1f | %.1f | %.2f | %.1fx / %.1fx |\n", label, name, description, one, three, three / one,
                    first[1]! / one, first[3]! / three)
            }
        }
        print(table)
        if let markdown { try table.write(toFile: markdown, atomically: true, encoding: .utf8) }
    }

    private func save(_ renderer: CameraRenderer, _ snapshot: WorldSnapshot, _ cameras: [PinholeCamera], to folder: String, _ label: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (k, images) in try renderer.renderer.render(snapshot, cameras: cameras, outputs: .rgb).enumerated() {
            guard let rgb = images.rgb else { continue }
            try PNG.write(rgb, to: "\(folder)/\(label)-camera\(k).png")
        }
    }

    /// The peer script's frames/s at one size: (name, renderer description, rates by camera count).
    private func peerRates(_ size: (width: Int, height: Int)) throws -> [(String, String, [Int: Double])] {
        guard !peers.isEmpty else { return [] }
        guard FileManager.default.fileExists(atPath: peers) else {
            throw ValidationError("peer script \(peers) not found (run from the repository root, or pass --peers '')")
        }
        print("running peers at \(size.width)x\(size.height): python3 \(peers) (pip install pybullet mujoco) ...")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", peers, "--frames", "\(max(frames / 3, 20))", "--trials", "\(trials)", "--cameras", "1,3",
            "--width", "\(size.width)", "--height", "\(size.height)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw ValidationError("the peer script printed no result: \(text)")
        }
        var result: [(String, String, [Int: Double])] = []
        for name in ["pybullet", "mujoco"] {
            guard let entry = json[name] as? [String: Any] else { continue }
            if let error = entry["error"] as? String {
                print("\(name): unavailable (\(error))")
                continue
            }
            let fps = (entry["fps"] as? [String: Double]) ?? [:]
            var rates: [Int: Double] = [:]
            for (k, v) in fps { if let n = Int(k) { rates[n] = v } }
            let version = (entry["version"] as? String).map { " \($0)" } ?? ""
            result.append((name + version, entry["renderer"] as? String ?? "", rates))
        }
        return result
    }
}
