import BenchtopCore

/// Per-episode trajectory metrics (RoboEval's definitions): path lengths and jerk of the end effector and joints.
/// With several arms, path lengths add up over the arms and the jerk statistics pool every arm's samples.
public struct TrajectoryMetrics: Sendable {
    /// Tool centre points per arm, one entry per recorded sample.
    private var positions: [[SIMD3<Double>]] = []
    private var joints: [[Double]] = []
    public let sampleInterval: Double

    /// `sampleInterval` is the time between recorded samples, seconds.
    public init(sampleInterval: Double) { self.sampleInterval = sampleInterval }

    public mutating func record(endEffector: SIMD3<Double>, joints q: [Double]) {
        record(endEffectors: [endEffector], joints: q)
    }

    /// Records one sample: every arm's tool centre point (the same arms in the same order each time) and all joints.
    public mutating func record(endEffectors: [SIMD3<Double>], joints q: [Double]) {
        for arm in endEffectors.indices {
            if arm == positions.count { positions.append([]) }
            positions[arm].append(endEffectors[arm])
        }
        joints.append(q)
    }

    /// Sum of end-effector displacements over all arms, metres.
    public var cartesianPathLength: Double {
        var total = 0.0
        for path in positions {
            for i in path.indices.dropFirst() { total += length(path[i] - path[i - 1]) }
        }
        return total
    }

    /// Sum of joint-space displacements (Euclidean norm per sample), rad.
    public var jointPathLength: Double {
        var total = 0.0
        for i in joints.indices.dropFirst() {
            var squared = 0.0
            for (a, b) in zip(joints[i - 1], joints[i]) { squared += (b - a) * (b - a) }
            total += squared.squareRoot()
        }
        return total
    }

    /// Jerk magnitudes of the end effector: third finite difference over dt^3, m/s^3.
    public var cartesianJerks: [Double] {
        let dt3 = sampleInterval * sampleInterval * sampleInterval
        return positions.flatMap { path -> [Double] in
            guard path.count >= 4 else { return [] }
            return (3..<path.count).map { i in
                let third: SIMD3<Double> = path[i] - 3 * path[i - 1] + 3 * path[i - 2] - path[i - 3]
                return length(third) / dt3
            }
        }
    }

    /// Mean and root-mean-square of the end-effector jerk.
    public var meanJerk: Double { Statistics.mean(cartesianJerks) ?? 0 }
    public var rmsJerk: Double {
        let j = cartesianJerks
        guard !j.isEmpty else { return 0 }
        let squares: Double = j.map { $0 * $0 }.reduce(0, +)
        return (squares / Double(j.count)).squareRoot()
    }
}
