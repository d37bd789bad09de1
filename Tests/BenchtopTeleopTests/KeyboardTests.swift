import BenchtopTeleop
import Foundation
import Testing

@Suite struct KeyboardTeleoperatorTests {
    @Test func holdingSpaceTogglesTheGripperOnceOnRelease() {
        let keyboard = KeyboardTeleoperator()
        keyboard.handle(.space, .press)
        var toggles = 0
        // X's key repeat while Space is held (the issue counted 10 toggles in 3 s): none of these toggles.
        for _ in 0..<30 {
            keyboard.handle(.space, .repeat)
            if keyboard.read().toggleGripper { toggles += 1 }
        }
        #expect(toggles == 0)
        keyboard.handle(.space, .release)
        #expect(keyboard.read().toggleGripper)
        #expect(!keyboard.read().toggleGripper, "a toggle is delivered once")
    }

    @Test func episodeKeysActOnThePressNotOnRepeats() {
        let keyboard = KeyboardTeleoperator()
        keyboard.handle(.right, .press)
        keyboard.handle(.right, .repeat)
        keyboard.handle(.right, .repeat)
        keyboard.handle(.enter, .press)
        #expect(keyboard.read().events == [.saveAndNext, .start])
        #expect(keyboard.read().events.isEmpty)
    }

    @Test func heldKeysAreRatesInTheOperatorFrameAndShiftSlowsThem() {
        let keyboard = KeyboardTeleoperator()
        keyboard.handle(.w, .press)
        keyboard.handle(.a, .press)
        keyboard.handle(.c, .press)
        var c = keyboard.read()
        #expect(c.translation == SIMD3(1, 1, 0))
        #expect(c.rotation == SIMD3(0, 0, -1))
        keyboard.handle(.shift, .press)
        c = keyboard.read()
        #expect(abs(c.translation.x - keyboard.fineScale) < 1e-12)
        keyboard.handle(.w, .release)
        keyboard.handle(.a, .release)
        keyboard.handle(.c, .release)
        #expect(keyboard.read().translation == .zero)
    }

    @Test func theOperatorFrameFollowsTheViewersAzimuth() {
        // The default viewer looks at the robot from +x (azimuth 0): away from the viewer is world -x (robosuite's W),
        // the screen's left is world -y (robosuite's A).
        let front = OperatorView(azimuth: 0)
        #expect(length(front.world(SIMD3(1, 0, 0)) - SIMD3(-1, 0, 0)) < 1e-12)
        #expect(length(front.world(SIMD3(0, 1, 0)) - SIMD3(0, -1, 0)) < 1e-12)
        #expect(front.world(SIMD3(0, 0, 1)) == SIMD3(0, 0, 1))
        // Orbit to the robot's left side (eye at +y, azimuth 90°): W now moves along world -y, A along world +x.
        let side = OperatorView(azimuth: .pi / 2)
        #expect(length(side.world(SIMD3(1, 0, 0)) - SIMD3(0, -1, 0)) < 1e-12)
        #expect(length(side.world(SIMD3(0, 1, 0)) - SIMD3(1, 0, 0)) < 1e-12)
        // Facing the YAM rig, its left arm (y = +0.22) is on the screen's right.
        #expect(front.leftness(of: SIMD3(0, 0.22, 0)) < front.leftness(of: SIMD3(0, -0.22, 0)))
    }

    @Test func gamepadFollowsLeRobotsLayoutWithADeadZoneAndPressEdges() {
        var pad = GamepadMapping()
        // Left stick pushed up (y = -1) and slightly right inside the dead zone; LB held; A pressed.
        var c = pad.command(axes: [0.05, -1, 0, 0.5], buttons: [true, false, false, false, true, false])
        #expect(c.translation == SIMD3(1, 0, -0.5))
        #expect(c.gripper == true)
        #expect(c.events == [.start])
        c = pad.command(axes: [0, 0, -0.8, 0], buttons: [true, false, false, true, false, true])
        #expect(c.events == [.saveAndNext], "A still held is no new press; Y is")
        #expect(c.gripper == false)
        #expect(c.rotation.z == 0.8)
    }

    private func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
}
