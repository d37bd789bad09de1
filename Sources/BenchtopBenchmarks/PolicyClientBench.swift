import ArgumentParser
import BenchtopBenchKit
import BenchtopCore
import BenchtopPolicy
import BenchtopRemote
import Foundation

/// `benchtop bench policy-client`: per-query client overhead on loopback (two 256 x 256 images + state: encode,
/// send, receive, decode) for the openpi, MolmoAct2 /act and MolmoAct chat protocols, against the Python clients
/// (openpi-client; requests + json_numpy) on the same servers in the same run.
struct PolicyClientBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy-client",
        abstract: "Remote policy client overhead per query on loopback: Benchtop vs the Python clients.")

    @Option(help: "Timed queries per client.")
    var queries = 500

    @Option(help: "Untimed queries first.")
    var warmup = 30

    @Option(help: "Folder of the loopback servers.")
    var servers = "scripts/policy-servers"

    func run() throws {
        guard (1...10_000).contains(queries), (0...1_000).contains(warmup) else {
            throw BenchError("--queries must be 1 ... 10000 and --warmup 0 ... 1000")
        }
        let peer = try benchDirectory() + "/policy_client_python.py"
        let stats = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-bench-norm.json").path
        try
            #"{"bench": {"action": {"q01": [-1, -1, -1, -1, -1, -1, 0], "q99": [1, 1, 1, 1, 1, 1, 1], "mask": [true, true, true, true, true, true, false]}}}"#
            .write(toFile: stats, atomically: true, encoding: .utf8)
        let observation = Self.observation()
        var rows: [(String, [Double], [Double]?)] = []
        var codecRows: [(String, [Double], [Double]?)] = []

        do {
            let server = try LoopbackServer("\(servers)/tiny_openpi_server.py", ["--echo", "--dim", "7", "--horizon", "10"], health: "/healthz")
            defer { server.stop() }
            let policy = OpenPIPolicy(host: "127.0.0.1", port: server.port)
            try policy.reset(instruction: observation.instruction, seed: 0)
            let ours = try time { _ = try policy.act(on: observation) }
            let answer = Msgpack.encode(
                .map([
                    (.string("actions"), MsgpackNumpy.array(data: [UInt8](repeating: 0, count: 10 * 7 * 8), dtype: "<f8", shape: [10, 7])),
                    (.string("server_timing"), .map([(.string("infer_ms"), .float64(0.1))])),
                ]))
            let cpu = try time { _ = try policy.encode(observation).count + (try policy.decode(answer)).actions.count }
            policy.close()
            rows.append(("openpi websocket + msgpack (vs openpi-client)", ours, try python(peer, "openpi", server.port)))
            codecRows.append(("openpi: msgpack encode + decode", cpu, try python(peer, "openpi-codec", 0)))
        }
        do {
            let server = try LoopbackServer("\(servers)/tiny_molmoact2_server.py", ["--kind", "droid", "--echo"], health: "/healthz")
            defer { server.stop() }
            let policy = try MolmoAct2Policy(url: "http://127.0.0.1:\(server.port)/act", embodiment: .droid)
            try policy.reset(instruction: observation.instruction, seed: 0)
            let ours = try time { _ = try policy.act(on: observation) }
            let answer = JSONValue.object([
                (
                    "actions",
                    .object([
                        ("__numpy__", .string(Data(count: 15 * 8 * 4).base64EncodedString())),
                        ("dtype", .string("<f4")), ("shape", .array([.number(15), .number(8)])),
                    ])
                ),
                ("dt_ms", .number(0.1)),
            ]).bytes
            let cpu = try time { _ = try policy.body(for: observation).count + (try policy.chunk(fromResponse: answer)).actions.count }
            rows.append(("MolmoAct2 /act HTTP + json_numpy (vs requests + json_numpy)", ours, try python(peer, "molmoact2", server.port)))
            codecRows.append(("MolmoAct2: json_numpy body + answer", cpu, try python(peer, "molmoact2-codec", 0)))
        }
        do {
            let server = try LoopbackServer(
                "\(servers)/tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", "bench", "--steps", "8"], health: "/v1/models")
            defer { server.stop() }
            let policy = try MolmoActPolicy(url: "http://127.0.0.1:\(server.port)", normalization: nil)
            try policy.reset(instruction: observation.instruction, seed: 0)
            let ours = try time { _ = try policy.act(on: observation) }
            rows.append(("MolmoAct chat completions, PNG data URLs (vs requests + Pillow)", ours, try python(peer, "molmoact", server.port)))
        }

        print("\(queries) queries after \(warmup) warm-up, two 256x256 RGB images + 8 state values, 127.0.0.1, servers answer without inference\n")
        print("| protocol | Benchtop median ms | Benchtop p99 ms | Python median ms | Python p99 ms | Python / Benchtop (median) |")
        print("|---|---:|---:|---:|---:|---:|")
        for (name, ours, theirs) in rows + [("**client CPU only (no network, no server)**", [], nil)] + codecRows where !ours.isEmpty || theirs == nil
        {
            if ours.isEmpty {
                print("| \(name) | | | | | |")
                continue
            }
            let t =
                theirs.map { String(format: "%.3f | %.3f | %.2fx", median($0), percentile($0, 0.99), median($0) / median(ours)) }
                ?? "unavailable | | "
            print(String(format: "| %@ | %.3f | %.3f | ", name, median(ours), percentile(ours, 0.99)) + t + " |")
        }
    }

    /// Milliseconds per query.
    private func time(_ body: () throws -> Void) throws -> [Double] {
        for _ in 0..<warmup { try body() }
        var out: [Double] = []
        out.reserveCapacity(queries)
        for _ in 0..<queries {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            out.append(Double(DispatchTime.now().uptimeNanoseconds - t) * 1e-6)
        }
        return out
    }

    private func python(_ script: String, _ kind: String, _ port: Int) throws -> [Double]? {
        let (status, output) = try runProcess(["python3", script, kind, "\(port)", "\(queries)", "\(warmup)"])
        guard status == 0, let data = output.split(separator: "\n").last.map({ Data($0.utf8) }),
            let values = try? JSONSerialization.jsonObject(with: data) as? [Double]
        else { return nil }
        return values
    }

    /// Two 256 x 256 camera images (gradient plus a little noise, like a render) and an 8-value state.
    static func observation() -> Observation {
        var rng = SeededRandom(seed: 0)
        let images = (0..<2).map { k -> CameraImage in
            var px = [UInt8](repeating: 0, count: 256 * 256 * 3)
            for y in 0..<256 {
                for x in 0..<256 {
                    let o = (y * 256 + x) * 3
                    let n = { UInt8(rng.next() % 8) }
                    px[o] = UInt8((x * 3) % 256) &+ n()
                    px[o + 1] = UInt8((y * 5) % 256) &+ n()
                    px[o + 2] = UInt8(((x + y) / 2) % 256) &+ n()
                }
            }
            return CameraImage(name: k == 0 ? "primary" : "wrist", rgb: RGBImage(width: 256, height: 256, pixels: px))
        }
        return Observation(images: images, state: (0..<8).map { -0.5 + Double($0) / 7 }, instruction: "pick up the cube", time: 0)
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let s = values.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded(.up)))]
}

/// A Python loopback server for the benchmark: started, its announced port read, its health path polled.
final class LoopbackServer {
    let process = Process()
    let port: Int

    init(_ script: String, _ arguments: [String], health: String) throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchError("cannot find \(script); run from the repository root or pass --servers DIR")
        }
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script] + arguments
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty {
                throw BenchError(
                    "\(script) exited before announcing its port (missing pip packages? pip install openpi-client openpi-server fastapi uvicorn json-numpy numpy msgpack pillow requests)"
                )
            }
            line.append(d)
        }
        guard let p = String(decoding: line, as: UTF8.self).split(separator: "\n").first.flatMap({ Int($0.split(separator: " ").last ?? "") }) else {
            process.terminate()
            throw BenchError("\(script) did not print 'PORT n'")
        }
        port = p
        let client = HTTPClient(host: "127.0.0.1", port: p, timeout: 2)
        let deadline = Date().addingTimeInterval(30)
        while (try? client.request("GET", path: health))?.status != 200 {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw BenchError("\(script) did not become ready")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        client.close()
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
