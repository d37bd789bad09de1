// Standalone timing of the depth VQ-VAE (see build.sh); same input and weights seed as `benchtop bench depth`.
import Glibc

func nowMs() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) * 1e-6 }
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
let reps = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 25
BLAS.setThreadCount(1)
var values = [Float](repeating: 0, count: 256 * 256)
for y in 0..<256 { for x in 0..<256 {
    let v = Float(y) / 255, u = Float(x) / 255
    var d = 2.2 - 1.1 * v + 0.05 * u
    if v >= 0.35 && v < 0.6 && u >= 0.2 && u < 0.45 { d -= 0.25 }
    if v >= 0.55 && v < 0.8 && u >= 0.6 && u < 0.85 { d -= 0.4 }
    values[y * 256 + x] = d
} }
let input = DepthNormalization.modelInput(DepthImage(width: 256, height: 256, values: values), size: 320)
let model = try DepthVQVAE(configuration: .molmoAct, randomSeed: 7)
var codes = model.codes(for: input)
for _ in 0..<3 { codes = model.codes(for: input); _ = model.decode(codes: codes) }
var enc: [Double] = [], dec: [Double] = []
for _ in 0..<reps {
    var t = nowMs(); codes = model.codes(for: input); enc.append(nowMs() - t)
    t = nowMs(); let out = model.decode(codes: codes); dec.append(nowMs() - t)
    precondition(out.values.count == 320 * 320)
}
let n = 512
let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
var c = [Float](repeating: 0, count: n * n)
var g: [Double] = []
for _ in 0..<7 { let t = nowMs(); BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n); g.append(nowMs() - t) }
print("{\"swift_encode_ms_median\": \(median(enc)), \"swift_decode_ms_median\": \(median(dec)), \"swift_encode_ms_min\": \(enc.min()!), \"swift_decode_ms_min\": \(dec.min()!), \"sgemm512_gflops\": \(2 * Double(n * n * n) / median(g) / 1e6), \"reps\": \(reps)}")
