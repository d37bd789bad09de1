import BenchtopScene
import BenchtopViewer

/// A viewer failure reported without the usage text (the command line itself was fine).
public struct ViewerFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }

    /// Opens a viewer window, reporting a failure (no display, no GL) as a `ViewerFailure`.
    public static func openViewer(scene: Scene, simulation: ViewerSimulation, options: ViewerOptions) throws(ViewerFailure) -> Viewer {
        do { return try Viewer(scene: scene, simulation: simulation, options: options) } catch {
            throw ViewerFailure(message: error.description)
        }
    }
}
