import ArgumentParser
import BenchtopCore
import BenchtopPhysics
import BenchtopRender
import BenchtopScene
import Foundation

/// `benchtop bench render`: camera frames per second (256x256 RGB + metric depth) for pick_cube with one and three
/// cameras, next to PyBullet's TinyRenderer and MuJoCo's Renderer measured in the same run (bench/render_peers.py).
struct RenderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(help: "Write the markdown table here as well.")
    var markdown: String?

    func validate() throws {
        guard frames > 0, trials > 0 else { throw ValidationError("--frames and --trials must be > 0") }
    }

    func run() throws {
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
        func cameras(_ snapshot: WorldSnapshot) throws -> [PinholeCamera] {
            var list = try s.cameras.prefix(2).map { try renderer.pinhole(named: $0.name, snapshot: snapshot) }
            list.append(overhead)
            return list.map {
                var c = $0
                c.width = 256
                c.height = 256
                return c
            }
        }
        let robotLinks = world.bodies.filter { $0.kind == .robotLink }.count
        print("scene \(s.name): \(world.bodies.count) bodies (\(robotLinks) robot links), renderer \(renderer.context.renderer)")
        var ours: [Int: Double] = [:]
        for count in [1, 3] {
            let sets = try snapshots.map { try Array(cameras($0).prefix(count)) }
            _ = try renderer.renderer.render(snapshots[0], cameras: sets[0], outputs: [.rgb, .depth])  // warm-up
            var rates: [Double] = []
            for _ in 0..<trials {
                let clock = ContinuousClock()
                let start = clock.now
                for i in 0..<frames {
                    let k = i % snapshots.count
                    _ = try renderer.renderer.render(snapshots[k], cameras: sets[k], outputs: [.rgb, .depth])
                }
                let d = clock.now - start
                rates.append(Double(frames) / (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
            }
            ours[count] = median(rates)
            print(String(format: "benchtop %d camera(s): %.0f frames/s (median of %d x %d)", count, ours[count]!, trials, frames))
        }

        var peerRates: [(String, String, [Int: Double])] = []
        if !peers.isEmpty {
            guard FileManager.default.fileExists(atPath: peers) else {
                throw ValidationError("peer script \(peers) not found (run from the repository root, or pass --peers '')")
            }
            print("running peers: python3 \(peers) (pip install pybullet mujoco) ...")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", peers, "--frames", "\(max(frames / 3, 20))", "--trials", "\(trials)", "--cameras", "1,3"]
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
            for name in ["pybullet", "mujoco"] {
                guard let entry = json[name] as? [String: Any] else { continue }
                if let error = entry["error"] as? String {
                    print("\(name): unavailable (\(error))")
                    continue
                }
                let fps = (entry["fps"] as? [String: Double]) ?? [:]
                var rates: [Int: Double] = [:]
                for (k, v) in fps { if let n = Int(k) { rates[n] = v } }
                peerRates.append((name, entry["renderer"] as? String ?? "", rates))
            }
        }

        var table = "| Renderer | 1 camera (frames/s) | 3 cameras (frames/s) | benchtop speed-up (1 / 3 cameras) |\n|---|---|---|---|\n"
        table += String(format: "| benchtop (%@) | %.0f | %.0f | - |\n", renderer.context.renderer, ours[1]!, ours[3]!)
        for (name, description, rates) in peerRates {
            let one = rates[1] ?? .nan
            let three = rates[3] ?? .nan
            table += String(
                format: "| %@: %@ | %.1f | %.1f | %.1fx / %.1fx |\n", name, description, one, three,
                ours[1]! / one, ours[3]! / three)
        }
        print(table)
        if let markdown { try table.write(toFile: markdown, atomically: true, encoding: .utf8) }
    }

    private func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
