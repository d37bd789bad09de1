import BenchtopCore
import BenchtopNumerics
import BenchtopPolicy
import Foundation

/// The Benchtop ARM in the loop: observation (primary and wrist RGB, `molmoact` state, instruction) in, a chunk
/// of actions out with its reasoning (the depth codes and the trace that produced the actions).
///
/// Steering (`TraceFollowing`): a followed trace replaces the predicted one before the action stage at every
/// query until the next reset. It is re-anchored at each query: the part of the followed polyline from the
/// point nearest the gripper on is used, the gripper taken where the model's own trace starts (its prediction
/// of the end effector in the image). Perturbation stages edit inside the chain (`ReasoningChain`).
public final class ARMPolicy: Policy, TraceFollowing, ReasoningChain {
    public let model: ARMModel
    public let name: String
    /// The last query's stages, for tests and tools.
    public private(set) var lastOutput: ARMOutput?
    private var instruction = ""
    private var steering: [SIMD2<Double>]?
    private var nextIntervention: ReasoningIntervention?
    private let workspace = ARMWorkspace()

    /// - Parameters:
    ///   - embodiment, mode: the run's embodiment and control mode; refused unless the weights were trained for them.
    public init(model: ARMModel, embodiment: String, mode: String, name: String = "arm") throws {
        guard embodiment == model.metadata.embodiment, mode == model.metadata.mode else {
            throw ARMError(
                "the ARM weights \(model.source) were trained for embodiment '\(model.metadata.embodiment)' in control mode '\(model.metadata.mode)'; this run uses '\(embodiment)' in '\(mode)' (use --robot \(model.metadata.embodiment) --mode \(model.metadata.mode), or weights trained for this robot)"
            )
        }
        self.model = model
        self.name = name
        // The model is specified single-threaded (same inputs, same bits); OpenBLAS's thread count is per process.
        BLAS.setThreadCount(1)
    }

    public func reset(instruction: String, seed: UInt64) throws {
        self.instruction = instruction
        steering = nil
        nextIntervention = nil
        lastOutput = nil
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        guard observation.images.count >= 2 else {
            throw PolicyError.invalidAction("the ARM needs the primary and the wrist images; the observation has \(observation.images.count)")
        }
        let primary = observation.images.first { $0.name == "primary" } ?? observation.images[0]
        let wrist = observation.images.first { $0.name == "wrist" } ?? observation.images[1]
        let intervention = nextIntervention
        nextIntervention = nil
        var edits = ReasoningIntervention(depthTokens: intervention?.depthTokens)
        let steered = steering
        if steered != nil || intervention?.trace != nil {
            edits.trace = { predicted in
                var trace = predicted
                if let steered, let gripper = predicted.first { trace = Self.remainder(of: steered, from: gripper) }
                return intervention?.trace?(trace) ?? trace
            }
        }
        let text = observation.instruction.isEmpty ? instruction : observation.instruction
        let output: ARMOutput
        do {
            output = try model.infer(
                primary: ARMModel.preprocess(primary.rgb), wrist: ARMModel.preprocess(wrist.rgb), state: observation.state,
                instruction: text, edits: edits, workspace: workspace)
        } catch let e as ARMError {
            throw PolicyError.invalidAction(e.description)
        }
        lastOutput = output
        let reasoning = Reasoning(depthTokens: output.codes, traces: [ARMModel.points(output.trace)])
        return ActionChunk(actions: output.actions.map { $0.map(Double.init) }, reasoning: reasoning)
    }

    /// Follows `trace` (0 ... 255 primary-image coordinates) from the next query until the episode ends; an empty
    /// trace stops steering.
    public func follow(trace: [SIMD2<Double>]) { steering = trace.isEmpty ? nil : trace }

    public func intervene(atNextQuery intervention: ReasoningIntervention?) { nextIntervention = intervention }

    /// The polyline from its point nearest `gripper` on: that point, then the later vertices.
    public static func remainder(of polyline: [SIMD2<Double>], from gripper: SIMD2<Double>) -> [SIMD2<Double>] {
        guard polyline.count > 1 else { return polyline }
        var best = (distance: Double.infinity, segment: 0, point: polyline[0])
        for i in 0..<(polyline.count - 1) {
            let a = polyline[i]
            let b = polyline[i + 1]
            let d = b - a
            let length2 = (d * d).sum()
            let t = length2 > 0 ? min(max(((gripper - a) * d).sum() / length2, 0), 1) : 0
            let q = a + t * d
            let e = q - gripper
            let distance = (e * e).sum()
            if distance < best.distance { best = (distance, i, q) }
        }
        return [best.point] + polyline[(best.segment + 1)...]
    }
}

extension ARMPolicy {
    /// Whether a `--policy` value names the ARM: `arm` (the shipped weights) or `arm=PATH`.
    public static func isARM(_ spec: String) -> Bool { spec == "arm" || spec.hasPrefix("arm=") }

    /// The policy for `arm` or `arm=PATH` on `embodiment` in control mode `mode`; refuses other embodiments
    /// and modes than the weights' metadata names.
    public static func make(spec: String, embodiment: String, mode: String) throws -> ARMPolicy {
        guard isARM(spec) else { throw ARMError("'\(spec)' is not an ARM policy; expected arm or arm=PATH") }
        if spec == "arm" { return try ARMPolicy(model: try ARMModel.shipped(), embodiment: embodiment, mode: mode) }
        let path = String(spec.dropFirst(4))
        guard !path.isEmpty else { throw ARMError("--policy arm=PATH needs a weights file after '='") }
        return try ARMPolicy(
            model: try ARMModel(path: path), embodiment: embodiment, mode: mode, name: "arm(\((path as NSString).lastPathComponent))")
    }
}
