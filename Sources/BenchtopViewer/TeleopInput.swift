internal import CGLFW

/// Episode controls during recording (lerobot-record's keys).
public enum TeleopEvent: Sendable, Equatable {
    /// Save the episode and go on to the next one (Right arrow; gamepad Y).
    case saveAndNext
    /// Discard the episode and record it again (Left arrow; gamepad X).
    case rerecord
    /// Save what exists and stop (Esc; gamepad B).
    case stop
    /// Bimanual: control the other arm (Tab).
    case switchArm
    /// Bimanual: move both arms together (B).
    case togglePairedArms
}

/// What the operator asks for this frame, in device-independent units: translation and rotation rates in
/// -1 ... 1 per axis (robot base frame: +x forward, +y left, +z up), gripper commands, a dragged target marker.
public struct TeleopInput: Sendable, Equatable {
    public var translation = SIMD3<Double>(0, 0, 0)
    public var rotation = SIMD3<Double>(0, 0, 0)
    /// Toggle the gripper (keyboard Space).
    public var toggleGripper = false
    /// Hold-to-command gripper (gamepad shoulders): true closes, false opens, nil leaves it.
    public var gripper: Bool?
    /// The target marker's world position while it is being dragged with Ctrl + mouse.
    public var dragTarget: SIMD3<Double>?
    public var events: [TeleopEvent] = []
    public init() {}
}

/// Which devices the viewer reads for teleoperation.
public enum TeleopDevice: String, Sendable, CaseIterable {
    case keyboard, gamepad
}

/// The teleoperation hook of the viewer: when set, the viewer reads the device every frame and calls `input`
/// before stepping; the target marker (where Ctrl + drag starts) is `marker`.
public final class TeleopBinding {
    public let device: TeleopDevice
    /// Called once per frame with the operator's input.
    public var input: (TeleopInput) -> Void
    /// The TCP target to draw and to start a drag from (world frame), nil to hide the marker.
    public var marker: () -> SIMD3<Double>?
    /// Extra lines for the status overlay (episode, phase, time left).
    public var status: () -> [String]
    /// Set by the session to close the window (after Esc, or when the last episode is saved).
    public var closeRequested = false

    public init(
        device: TeleopDevice, input: @escaping (TeleopInput) -> Void, marker: @escaping () -> SIMD3<Double>? = { nil },
        status: @escaping () -> [String] = { [] }
    ) {
        self.device = device
        self.input = input
        self.marker = marker
        self.status = status
    }

    /// The key mapping shown in the help overlay (robosuite's keyboard device; LeRobot's gamepad layout).
    public static let helpText = """
        TELEOPERATION (ROBOSUITE KEYS, BASE FRAME)
        W / S          TCP FORWARD / BACK (X)
        A / D          TCP LEFT / RIGHT (Y)
        R / F          TCP UP / DOWN (Z)
        Z / X          ROLL - / +
        T / G          PITCH - / +
        C / V          YAW - / +
        SPACE          TOGGLE GRIPPER
        CTRL+LEFT DRAG MOVE TARGET MARKER (TABLE PLANE)
        CTRL+RIGHT DRAG MOVE TARGET MARKER UP / DOWN
        TAB / B        SWITCH ARM / PAIR ARMS (BIMANUAL)
        RIGHT ARROW    SAVE EPISODE, NEXT
        LEFT ARROW     RE-RECORD EPISODE
        ESC            SAVE AND STOP
        P / F12 / H    PAUSE / SCREENSHOT / HELP
        GAMEPAD: LEFT STICK X-Y, RIGHT STICK Z + YAW,
        LB CLOSE, RB OPEN, Y SAVE, X RE-RECORD, B STOP
        """

    // MARK: - Device reading (viewer internals)

    private var dragging = false
    private var dragStart = SIMD3<Double>(0, 0, 0)

    /// Keys this binding consumes as presses (the viewer skips its own meaning for them).
    func consume(key: Int32, into input: inout TeleopInput) -> Bool {
        switch key {
        case GLFW_KEY_SPACE: input.toggleGripper = true
        case GLFW_KEY_RIGHT: input.events.append(.saveAndNext)
        case GLFW_KEY_LEFT: input.events.append(.rerecord)
        case GLFW_KEY_ESCAPE: input.events.append(.stop)
        case GLFW_KEY_TAB: input.events.append(.switchArm)
        case GLFW_KEY_B: input.events.append(.togglePairedArms)
        case GLFW_KEY_W, GLFW_KEY_S, GLFW_KEY_A, GLFW_KEY_D, GLFW_KEY_R, GLFW_KEY_F, GLFW_KEY_Z, GLFW_KEY_X, GLFW_KEY_T,
            GLFW_KEY_G, GLFW_KEY_C, GLFW_KEY_V:
            break  // held keys, read below
        default: return false
        }
        return true
    }

    /// Held keys and the gamepad.
    func poll(window: OpaquePointer, into input: inout TeleopInput) {
        func held(_ k: Int32) -> Double { glfwGetKey(window, k) == GLFW_PRESS ? 1 : 0 }
        input.translation += SIMD3(held(GLFW_KEY_W) - held(GLFW_KEY_S), held(GLFW_KEY_A) - held(GLFW_KEY_D), held(GLFW_KEY_R) - held(GLFW_KEY_F))
        input.rotation += SIMD3(held(GLFW_KEY_X) - held(GLFW_KEY_Z), held(GLFW_KEY_G) - held(GLFW_KEY_T), held(GLFW_KEY_V) - held(GLFW_KEY_C))
        guard device == .gamepad, glfwJoystickPresent(GLFW_JOYSTICK_1) == GLFW_TRUE else { return }
        var state = GLFWgamepadstate()
        if glfwJoystickIsGamepad(GLFW_JOYSTICK_1) == GLFW_TRUE, glfwGetGamepadState(GLFW_JOYSTICK_1, &state) == GLFW_TRUE {
            let axes = withUnsafeBytes(of: state.axes) { Array($0.bindMemory(to: Float.self)) }.map { Double($0) }
            let buttons = withUnsafeBytes(of: state.buttons) { Array($0.bindMemory(to: UInt8.self)) }
            func dz(_ v: Double) -> Double { abs(v) < 0.1 ? 0 : v }  // LeRobot's dead zone
            // LeRobot gamepad: x = -left stick y, y = -left stick x, z = -right stick y; right stick x turns the yaw.
            input.translation += SIMD3(
                -dz(axes[Int(GLFW_GAMEPAD_AXIS_LEFT_Y)]), -dz(axes[Int(GLFW_GAMEPAD_AXIS_LEFT_X)]),
                -dz(axes[Int(GLFW_GAMEPAD_AXIS_RIGHT_Y)]))
            input.rotation.z += -dz(axes[Int(GLFW_GAMEPAD_AXIS_RIGHT_X)])
            if buttons[Int(GLFW_GAMEPAD_BUTTON_LEFT_BUMPER)] == GLFW_PRESS { input.gripper = true }
            if buttons[Int(GLFW_GAMEPAD_BUTTON_RIGHT_BUMPER)] == GLFW_PRESS { input.gripper = false }
            pressed(buttons, into: &input)
        } else {
            // A joystick without an SDL mapping: raw axes 0/1 (left stick), 3 (right stick y), as LeRobot reads them.
            var count: Int32 = 0
            if let raw = glfwGetJoystickAxes(GLFW_JOYSTICK_1, &count), count >= 4 {
                func dz(_ v: Float) -> Double { abs(v) < 0.1 ? 0 : Double(v) }
                input.translation += SIMD3(-dz(raw[1]), -dz(raw[0]), -dz(raw[3]))
            }
        }
    }

    private var lastButtons: [UInt8] = []
    private func pressed(_ buttons: [UInt8], into input: inout TeleopInput) {
        defer { lastButtons = buttons }
        func down(_ b: Int32) -> Bool { buttons[Int(b)] == GLFW_PRESS && (lastButtons.count <= Int(b) || lastButtons[Int(b)] != GLFW_PRESS) }
        if down(GLFW_GAMEPAD_BUTTON_Y) { input.events.append(.saveAndNext) }
        if down(GLFW_GAMEPAD_BUTTON_X) { input.events.append(.rerecord) }
        if down(GLFW_GAMEPAD_BUTTON_B) { input.events.append(.stop) }
    }

    /// Ctrl + left drag moves the marker in the horizontal plane through it; Ctrl + right drag moves it vertically
    /// (in the vertical plane facing the view). Returns true while dragging (the orbit camera then stays put).
    func drag(window: OpaquePointer, ray: (origin: SIMD3<Double>, direction: SIMD3<Double>), into input: inout TeleopInput) -> Bool {
        let ctrl = glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS
        let left = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS
        let right = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_RIGHT) == GLFW_PRESS
        guard ctrl, left || right else {
            dragging = false
            return false
        }
        if !dragging {
            guard let m = marker() else { return false }
            dragging = true
            dragStart = m
        }
        let d = ray.direction
        if left {
            // Horizontal plane z = start.z.
            guard abs(d.z) > 1e-6 else { return true }
            let s = (dragStart.z - ray.origin.z) / d.z
            guard s > 0 else { return true }
            let hit = ray.origin + s * d
            dragStart = SIMD3(hit.x, hit.y, dragStart.z)
        } else {
            // Vertical plane through the marker, facing the camera horizontally.
            var n = SIMD3(d.x, d.y, 0)
            let len = (n * n).sum().squareRoot()
            guard len > 1e-6 else { return true }
            n /= len
            let denom = (n * d).sum()
            guard abs(denom) > 1e-6 else { return true }
            let s = (n * (dragStart - ray.origin)).sum() / denom
            guard s > 0 else { return true }
            dragStart.z = (ray.origin + s * d).z
        }
        input.dragTarget = dragStart
        return true
    }
}
