import BenchtopCore
import BenchtopPhysics
import BenchtopScene

/// What a privileged policy may read: the live world, the robot's controller, the task and the cameras. It lives
/// with the robot and world layer, below the policy layer, so environments provide it without depending on a policy.
public protocol PrivilegedAccess: AnyObject {
    var world: World { get }
    var controller: RobotController { get }
    var task: TaskSpec { get }
    var controlRate: Double { get }
    /// The camera whose image the reasoning refers to (depth tokens, traces).
    var primaryCamera: String { get }
    /// The primary camera's model at the current state.
    func primaryPinhole() throws -> PinholeCamera
}
