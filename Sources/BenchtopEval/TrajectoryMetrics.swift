import BenchtopCore

/// Per-episode trajectory metrics (RoboEval's definitions): path lengths and jerk of the end effector and joints.
public struct TrajectoryMetrics: Sendable {
    private var positions: [SIMD3<Double>] = []
    private var joints: [[Double]] = []
    public let sampleInterval: Double

    /// `sampleInterval` is the time between recorded samples, seconds.
    public init(sampleInterval: Double) { self.sampleInterval = sampleInterval }

    public mutating func record(endEffector: SIMD3<Double>, joints q: [Double]) {
        positions.append(endEffector)
        joints.append(q)
    }

    /// Sum of end-effector displacements, metres.
    public var cartesianPathLength: Double {
        var total = 0.0
        for i in positions.indices.dropFirst() { total += length(positions[i] - positions[i - 1]) }
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
        guard positions.count >= 4 else { return [] }
        let dt3 = sampleInterval * sampleInterval * sampleInterval
        return (3..<positions.count).map { i in
            let third: SIMD3<Double> = positions[i] - 3 * positions[i - 1] + 3 * positions[i - 2] - positions[i - 3]
            return length(third) / dt3
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
