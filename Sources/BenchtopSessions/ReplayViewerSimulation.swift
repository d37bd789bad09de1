import BenchtopCore
import BenchtopRecording
import BenchtopViewer

/// Drives a replay from the viewer: physics steps from the viewer's clock become recorded actions, one per
/// control tick; after the last action the world holds still.
public final class ReplayViewerSimulation: ViewerSimulation {
    public let session: ReplaySession
    private var carry = 0
    public init(session: ReplaySession) { self.session = session }
    public var bodies: [BodyDescription] { session.environment.world.bodies }
    public var timeStep: Double { session.environment.scene.physics.timeStep }
    public func snapshot() -> WorldSnapshot { session.environment.world.snapshot() }
    public func step(_ count: Int) throws {
        carry += count
        while carry >= session.environment.physicsStepsPerTick {
            carry -= session.environment.physicsStepsPerTick
            guard try session.advance() else {
                carry = 0
                return
            }
        }
    }
    public func reset() throws {}
}
