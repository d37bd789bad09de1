/// The state of one body at one instant: its pose and velocities in the world frame.
public struct BodyState: Sendable, Hashable {
    public var pose: Pose
    /// Linear velocity of the centre of mass, m/s.
    public var linearVelocity: SIMD3<Double>
    /// Angular velocity, rad/s.
    public var angularVelocity: SIMD3<Double>

    public init(pose: Pose, linearVelocity: SIMD3<Double> = .zero, angularVelocity: SIMD3<Double> = .zero) {
        self.pose = pose
        self.linearVelocity = linearVelocity
        self.angularVelocity = angularVelocity
    }
}

/// The joint-space state of one articulation (robot): positions in rad or m, velocities per second.
public struct ArticulationState: Sendable, Hashable {
    public var name: String
    public var jointPositions: [Double]
    public var jointVelocities: [Double]

    public init(name: String, jointPositions: [Double], jointVelocities: [Double]) {
        self.name = name
        self.jointPositions = jointPositions
        self.jointVelocities = jointVelocities
    }
}

/// An immutable copy of everything that changes while a world runs.
///
/// Renderers, recorders, metrics and the viewer consume snapshots; only the physics layer mutates.
/// `bodies` is indexed by body id, in the order the world compiled them (objects, then articulation links).
public struct WorldSnapshot: Sendable, Hashable {
    /// Simulated time in seconds (step count times the fixed step, accumulated exactly as an integer count).
    public let time: Double
    /// Number of physics steps since reset.
    public let step: Int
    public let bodies: [BodyState]
    public let articulations: [ArticulationState]

    public init(time: Double, step: Int, bodies: [BodyState], articulations: [ArticulationState] = []) {
        self.time = time
        self.step = step
        self.bodies = bodies
        self.articulations = articulations
    }

    /// True when every number of `self` equals `other` bit for bit (NaN payloads included).
    public func isBitIdentical(to other: WorldSnapshot) -> Bool {
        bitPattern == other.bitPattern
    }

    /// All numbers of the snapshot as raw bit patterns, in a fixed order; the basis of determinism checks.
    public var bitPattern: [UInt64] {
        var bits: [UInt64] = [time.bitPattern, UInt64(bitPattern: Int64(step))]
        bits.reserveCapacity(2 + bodies.count * 13)
        for b in bodies {
            for v in b.pose.packed { bits.append(v.bitPattern) }
            for v in [b.linearVelocity, b.angularVelocity] {
                bits.append(v.x.bitPattern)
                bits.append(v.y.bitPattern)
                bits.append(v.z.bitPattern)
            }
        }
        for a in articulations {
            for v in a.jointPositions { bits.append(v.bitPattern) }
            for v in a.jointVelocities { bits.append(v.bitPattern) }
        }
        return bits
    }

    /// A 64-bit FNV-1a digest of `bitPattern`: one number that changes when any bit of the state changes, so
    /// runs can be compared bit for bit from their results files.
    public var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in bitPattern {
            for shift in stride(from: 0, to: 64, by: 8) {
                hash = (hash ^ ((word >> UInt64(shift)) & 0xff)) &* 0x0000_0100_0000_01b3
            }
        }
        return hash
    }

    /// `digest` as 16 hex digits.
    public var digestText: String {
        let hex = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
