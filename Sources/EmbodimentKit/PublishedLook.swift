import BenchtopCore
import BenchtopScene
import Foundation

/// The visual meshes a robot's maker publishes, borrowed for an embodiment that simulates primitives: the
/// published URDF (found through BENCHTOP_PACKAGE_PATH) and which of its links dresses which of ours. Physics
/// keeps the primitive collision shapes, so simulation results do not change; only pictures do.
public struct PublishedLook: Sendable, Hashable {
    /// `package://NAME/robot.urdf`, resolved through BENCHTOP_PACKAGE_PATH.
    public var urdf: String
    /// Our link name -> the published URDF's link name. Links not named keep their primitive look.
    public var links: [String: String]
    /// Where the meshes come from and how to install them (shown when they are missing).
    public var source: String

    public init(urdf: String, links: [String: String], source: String) {
        self.urdf = urdf
        self.links = links
        self.source = source
    }

    /// `d` with the visual parts of the mapped links replaced by the published meshes. Link frames are matched
    /// at the zero configuration of both trees, so a published link whose frame differs from ours by a fixed
    /// transform (Panda's right finger is turned by pi in the visual, ours in the joint) still lines up.
    public func apply(to d: EmbodimentDescriptor, packages: PackagePath = PackagePath(roots: [])) throws -> EmbodimentDescriptor {
        let published: ArticulationSpec
        do {
            let path = try packages.resolvePackage(urdf).path
            published = try URDFParser.load(path: path, packages: packages)
        } catch {
            throw EmbodimentError(embodiment: d.name, field: "look", "published meshes not available (\(source)): \(error)")
        }
        let ours = KinematicTree(d.articulation).linkPoses([Double](repeating: 0, count: d.articulation.movableJoints.count))
        let theirs = KinematicTree(published).linkPoses([Double](repeating: 0, count: published.movableJoints.count))
        var out = d
        for (i, link) in d.articulation.links.enumerated() {
            guard let name = links[link.name] else { continue }
            guard let j = published.links.firstIndex(where: { $0.name == name }) else {
                throw EmbodimentError(embodiment: d.name, field: "look", "\(urdf) has no link '\(name)' (for our '\(link.name)')")
            }
            let relative = ours[i].inverse * theirs[j]
            let visual = published.links[j].visual.isEmpty ? published.links[j].collision : published.links[j].visual
            out.articulation.links[i].visual = visual.map {
                var p = $0
                p.pose = relative * p.pose
                p.color = p.color ?? published.links[j].color
                return p
            }
        }
        out.summary += " [published look: \(urdf)]"
        return out
    }
}
