import BenchtopCore

/// Why a scene camera could not be placed in a world.
public enum CameraPlacementError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A link-mounted camera names a link that is not a body of the world.
    case unknownLink(camera: String, body: String, known: [String])
    /// The snapshot has no state for the body the camera is mounted on.
    case missingBodyState(camera: String, body: String, bodyID: Int)

    public var description: String {
        switch self {
        case .unknownLink(let camera, let body, let known):
            let links = known.isEmpty ? "the world has no robot links" : "robot links are: " + known.joined(separator: ", ")
            return "camera '\(camera)': mounted on '\(body)', which is not a body of the world (\(links))"
        case .missingBodyState(let camera, let body, let id):
            return "camera '\(camera)': the snapshot has no state for body '\(body)' (id \(id))"
        }
    }
}

extension Camera {
    /// The pinhole model of this camera at a given world pose.
    public func pinhole(pose: Pose) -> PinholeCamera {
        switch intrinsics {
        case .verticalFieldOfView(let degrees):
            return PinholeCamera(width: width, height: height, verticalFieldOfView: degrees, near: near, far: far, pose: pose)
        case .focal(let fx, let fy, let cx, let cy):
            return PinholeCamera(width: width, height: height, fx: fx, fy: fy, cx: cx, cy: cy, near: near, far: far, pose: pose)
        }
    }

    /// The camera's world pose `X_WC` in a world with `bodies` (by body id) at the instant of `snapshot`.
    ///
    /// A camera on a link follows the body named "robot/link"; fixed cameras ignore both arguments.
    public func worldPose(bodies: [BodyDescription], snapshot: WorldSnapshot) throws(CameraPlacementError) -> Pose {
        switch mount {
        case .pose(let pose):
            return pose
        case .lookAt(let eye, let target, let up):
            return PinholeCamera.lookAt(eye: eye, target: target, up: up)
        case .link(let robot, let link, let offset):
            let bodyName = "\(robot)/\(link)"
            guard let id = bodies.firstIndex(where: { $0.name == bodyName }) else {
                throw .unknownLink(
                    camera: name, body: bodyName,
                    known: bodies.filter { $0.kind == .robotLink }.map(\.name))
            }
            guard id < snapshot.bodies.count else { throw .missingBodyState(camera: name, body: bodyName, bodyID: id) }
            return snapshot.bodies[id].pose * offset
        }
    }

    /// The pinhole model of this camera placed in a world at the instant of `snapshot`.
    public func pinhole(bodies: [BodyDescription], snapshot: WorldSnapshot) throws(CameraPlacementError) -> PinholeCamera {
        pinhole(pose: try worldPose(bodies: bodies, snapshot: snapshot))
    }
}
