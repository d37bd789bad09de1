import BenchtopCore

/// MolmoAct's visual-trace labels from ground truth (molmoact.md §11, `preprocess/processors.py` `Trace`): the
/// gripper point of every frame is the exact projection of the tool centre point into the primary camera
/// (instead of Molmo pointing); frame i's trace is the points of frames i ... end with invisible points dropped,
/// and when more than `length` remain, those at `floor(linspace(0, m - 1, length))`.
public enum TraceLabels {
    /// The gripper point of one frame in 0 ... 255 trace coordinates, or nil when the TCP is behind the camera
    /// or outside the image. Pixels map as the model's coordinates do: `x = px * 255 / (w - 1)`.
    public static func point(_ tcp: SIMD3<Double>, camera: PinholeCamera) -> SIMD2<Int>? {
        guard let p = camera.project(tcp)?.pixel, camera.contains(p) else { return nil }
        let x = (p.x * 255 / Double(max(camera.width - 1, 1))).rounded()
        let y = (p.y * 255 / Double(max(camera.height - 1, 1))).rounded()
        return SIMD2(Int(min(max(x, 0), 255)), Int(min(max(y, 0), 255)))
    }

    /// Traces of every frame of an episode. `tcp[i]` is the TCP (world frame) at frame i, `cameras[i]` the
    /// primary camera then; frame i projects the TCP of frames i ... end with frame i's camera.
    public static func traces(tcp: [SIMD3<Double>], cameras: [PinholeCamera], length: Int = 5) -> [[SIMD2<Int>]] {
        precondition(tcp.count == cameras.count)
        return tcp.indices.map { i in
            let points = tcp[i...].compactMap { point($0, camera: cameras[i]) }
            return subsample(points, to: length)
        }
    }

    /// `points` when at most `length`, else those at integer `floor(k * (m - 1) / (length - 1))` (numpy's
    /// `linspace(0, m - 1, length).astype(int)`), which keeps the first and the last.
    public static func subsample<T>(_ points: [T], to length: Int) -> [T] {
        let m = points.count
        guard m > length else { return points }
        return (0..<length).map { k in points[k * (m - 1) / (length - 1)] }
    }

    /// Python's `str(list)` of a trace: `[[120, 85], [131, 90]]`.
    public static func text(_ trace: [SIMD2<Int>]) -> String {
        "[" + trace.map { "[\($0.x), \($0.y)]" }.joined(separator: ", ") + "]"
    }
}
