import BenchtopCore
import BenchtopScene
import Foundation
import Testing

@Suite struct URDFParserTests {
    static let twoLink = """
        <robot name="toy">
          <material name="red"><color rgba="1 0 0 1"/></material>
          <link name="tip"><inertial><mass value="0.5"/><inertia ixx="0.01" iyy="0.01" izz="0.001"/></inertial>
            <collision><origin xyz="0 0 0.1"/><geometry><capsule radius="0.02" length="0.2"/></geometry></collision>
            <visual><geometry><box size="0.1 0.2 0.3"/></geometry><material name="red"/></visual>
            <contact><lateral_friction value="1.2"/></contact></link>
          <link name="base"><inertial><origin xyz="0 0 0.05" rpy="0 0 1.5707963267948966"/><mass value="2"/>
            <inertia ixx="0.02" iyy="0.03" izz="0.04" ixy="0.001"/></inertial></link>
          <joint name="j" type="revolute"><parent link="base"/><child link="tip"/>
            <origin xyz="0 0 0.3" rpy="0 1.5707963267948966 0"/><axis xyz="0 2 0"/>
            <limit lower="-1" upper="1.5" effort="10" velocity="2"/><dynamics damping="0.1"/></joint>
        </robot>
        """

    @Test func readsLinksJointsAndShapesWithTheRootFirst() throws {
        let spec = try URDFParser.parse(Data(Self.twoLink.utf8), file: "toy.urdf")
        #expect(spec.name == "toy")
        #expect(spec.links.map(\.name) == ["base", "tip"])
        let j = try #require(spec.joints.first)
        #expect(j.parent == 0 && j.child == 1 && j.kind == .revolute)
        #expect(j.axis == SIMD3(0, 1, 0))  // normalised
        #expect(j.lower == -1 && j.upper == 1.5 && j.effort == 10 && j.velocity == 2 && j.damping == 0.1)
        #expect(abs(j.origin.orientation.rollPitchYaw.y - .pi / 2) < 1e-12)
        let tip = spec.links[1]
        #expect(tip.collision.first?.shape == .capsule(radius: 0.02, halfHeight: 0.1))
        #expect(tip.visual.first?.shape == .box(halfExtents: SIMD3(0.05, 0.1, 0.15)))
        #expect(tip.color == Color(1, 0, 0))
        #expect(tip.friction == 1.2)
        #expect(spec.links[0].inertial.ixy == 0.001 && spec.links[0].inertial.frame.position.z == 0.05)
    }

    @Test func rejectsMeshesNamingTheElement() {
        let text = Self.twoLink.replacingOccurrences(of: "<box size=\"0.1 0.2 0.3\"/>", with: "<mesh filename=\"a.stl\"/>")
        #expect { try URDFParser.parse(Data(text.utf8), file: "toy.urdf") } throws: { e in
            let u = e as? URDFError
            return u?.file == "toy.urdf" && u?.element == "robot/link[tip]/visual[0]/geometry/mesh"
        }
    }

    @Test func rejectsBadNumbersAndMissingLimits() {
        let bad = Self.twoLink.replacingOccurrences(of: "xyz=\"0 0 0.3\"", with: "xyz=\"0 zero 0.3\"")
        #expect { try URDFParser.parse(Data(bad.utf8), file: "t") } throws: { ($0 as? URDFError)?.element == "robot/joint[j]/origin@xyz" }
        let noLimit = Self.twoLink.replacingOccurrences(of: "<limit lower=\"-1\" upper=\"1.5\" effort=\"10\" velocity=\"2\"/>", with: "")
        #expect { try URDFParser.parse(Data(noLimit.utf8), file: "t") } throws: { ($0 as? URDFError)?.element == "robot/joint[j]/limit" }
        let orphan = Self.twoLink.replacingOccurrences(of: "</robot>", with: "<link name=\"lost\"/></robot>")
        #expect { try URDFParser.parse(Data(orphan.utf8), file: "t") } throws: { ($0 as? URDFError)?.message.contains("root") == true }
    }
}
