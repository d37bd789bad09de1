import BenchtopPolicy
import EmbodimentKit

/// A stage that keeps every action inside what the robot may be asked to do: joint targets within the joint
/// limits, gripper commands between closed and open, and (when set) end-effector translation steps of at most
/// `maxTranslationStep` metres. It sits after perturbations in the pipeline, so perturbed chunks are limited
/// too; each clamped value is counted.
public final class SafetyLimitStage: ChunkStage {
    /// Per action channel: the allowed range in the channel's dataset units, nil for no limit.
    public let ranges: [ClosedRange<Double>?]
    /// Values clamped so far.
    public private(set) var clampedValues = 0

    public init(mode: ControlMode, embodiment: EmbodimentDescriptor, maxTranslationStep: Double? = nil) {
        ranges = mode.action.map { channel -> ClosedRange<Double>? in
            func encoded(_ a: Double, _ b: Double) -> ClosedRange<Double> {
                let x = channel.encode(a)
                let y = channel.encode(b)
                return min(x, y)...max(x, y)
            }
            switch channel.source {
            case .joint(let arm, let index):
                guard embodiment.arms.indices.contains(arm), embodiment.arms[arm].joints.indices.contains(index),
                    let j = embodiment.jointIndex(named: embodiment.arms[arm].joints[index])
                else { return nil }
                let joint = embodiment.joints[j]
                return joint.lower <= joint.upper ? encoded(joint.lower, joint.upper) : nil
            case .gripper:
                return encoded(0, 1)
            case .tcpDeltaPosition:
                return maxTranslationStep.map { encoded(-$0, $0) }
            case .tcpPosition, .tcpRotation, .tcpDeltaRotation:
                return nil
            }
        }
    }

    public func process(_ chunk: inout ActionChunk, context: ChunkContext) {
        for a in chunk.actions.indices {
            for (c, range) in ranges.enumerated() where c < chunk.actions[a].count {
                guard let range else { continue }
                let v = chunk.actions[a][c]
                let limited = min(max(v, range.lowerBound), range.upperBound)
                if limited != v {
                    chunk.actions[a][c] = limited
                    clampedValues += 1
                }
            }
        }
    }
}
