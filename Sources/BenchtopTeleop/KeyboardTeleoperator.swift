/// Keys the keyboard teleoperator understands (the viewer translates its window system's key codes).
public enum TeleopKey: Sendable, Hashable, CaseIterable {
    case w, s, a, d, r, f, z, x, t, g, c, v
    case space, enter, tab, b, left, right, escape, shift
}

/// What happened to a key (X and GLFW report held keys as repeated presses).
public enum KeyAction: Sendable, Equatable {
    case press, `repeat`, release
}

/// The keyboard as a teleoperator, robosuite's layout (`robosuite/devices/keyboard.py`) in the operator's view:
/// W/S away from / towards the viewer, A/D screen left / right, R/F up / down, Z/X, T/G, C/V turn about the
/// viewing direction, the screen's left and up. robosuite's W is -x and A is -y in its default front view, which
/// faces the robot: the same motions on screen.
///
/// Motion keys act while held. The gripper toggles when Space is **released** (as robosuite does), so key repeat
/// cannot make it chatter; episode keys act on the first press only, never on repeats. Shift slows motion to
/// `fineScale` for the last centimetres.
public final class KeyboardTeleoperator: Teleoperator {
    public let name = "keyboard"
    /// Speed factor while Shift is held.
    public var fineScale = 0.3
    private var held: Set<TeleopKey> = []
    private var pending = TeleopCommand()

    public init() {}

    /// Feeds one key event from the window system.
    public func handle(_ key: TeleopKey, _ action: KeyAction) {
        switch action {
        case .press:
            held.insert(key)
            switch key {
            case .enter: pending.events.append(.start)
            case .right: pending.events.append(.saveAndNext)
            case .left: pending.events.append(.rerecord)
            case .escape: pending.events.append(.stop)
            case .tab: pending.events.append(.switchArm)
            case .b: pending.events.append(.togglePairedArms)
            default: break
            }
        case .repeat:
            held.insert(key)  // a repeat is never a new press
        case .release:
            held.remove(key)
            if key == .space { pending.toggleGripper = true }
        }
    }

    /// Forgets held keys (the window lost focus: no release will come).
    public func releaseAll() { held.removeAll() }

    public func isHeld(_ key: TeleopKey) -> Bool { held.contains(key) }

    public func read() -> TeleopCommand {
        var command = pending
        pending = TeleopCommand()
        func axis(_ plus: TeleopKey, _ minus: TeleopKey) -> Double { (held.contains(plus) ? 1 : 0) - (held.contains(minus) ? 1 : 0) }
        let scale = held.contains(.shift) ? fineScale : 1
        command.translation = scale * SIMD3(axis(.w, .s), axis(.a, .d), axis(.r, .f))
        command.rotation = scale * SIMD3(axis(.x, .z), axis(.g, .t), axis(.v, .c))
        return command
    }

    public func disconnect() { releaseAll() }

    /// The key map for help overlays and docs; the frame is the operator's view.
    public static let helpText = """
        TELEOPERATION  (ROBOSUITE KEYS, IN YOUR VIEW)
        W / S          AWAY FROM YOU / TOWARDS YOU
        A / D          SCREEN LEFT / RIGHT
        R / F          UP / DOWN
        Z / X          ROLL ABOUT VIEW DIRECTION
        T / G          PITCH ABOUT SCREEN LEFT
        C / V          YAW ABOUT UP
        SHIFT (HELD)   SLOW, FOR FINE MOTION
        SPACE          TOGGLE GRIPPER (ON RELEASE)
        ENTER          START EPISODE (READY PROMPT)
        CTRL+LEFT DRAG MOVE TARGET MARKER (TABLE PLANE)
        CTRL+RIGHT DRAG MOVE TARGET MARKER UP / DOWN
        TAB / B        SWITCH ARM / PAIR ARMS (BIMANUAL)
        RIGHT ARROW    SAVE EPISODE, NEXT
        LEFT ARROW     RE-RECORD EPISODE
        ESC            SAVE AND STOP
        P / F12 / H    PAUSE / SCREENSHOT / HELP
        LEFT DRAG      ORBIT (KEYS FOLLOW THE VIEW)
        GAMEPAD: LEFT STICK AWAY-LEFT, RIGHT STICK UP + YAW,
        LB CLOSE, RB OPEN, A START, Y SAVE, X RE-RECORD, B STOP
        """
}

/// LeRobot's gamepad layout (`teleoperators/gamepad/gamepad_utils.py`) in the operator's view: left stick
/// away/towards and left/right, right stick up/down and yaw, dead zone 0.1; LB closes and RB opens the
/// gripper while held; A starts, Y saves, X re-records, B stops (on press). Axes are SDL/GLFW gamepad axes
/// (-1 ... 1, y down); buttons in SDL's order (A, B, X, Y, LB, RB, ...).
public struct GamepadMapping: Sendable {
    public static let deadZone = 0.1
    public enum Axis: Int {
        case leftX = 0
        case leftY, rightX, rightY
    }
    public enum Button: Int {
        case a = 0
        case b, x, y, leftBumper, rightBumper
    }

    private var last: [Bool] = []
    public init() {}

    /// One reading: axes and buttons of a gamepad with an SDL mapping.
    public mutating func command(axes: [Double], buttons: [Bool]) -> TeleopCommand {
        var c = TeleopCommand()
        func a(_ axis: Axis) -> Double {
            let v = axis.rawValue < axes.count ? axes[axis.rawValue] : 0
            return abs(v) < Self.deadZone ? 0 : v
        }
        func held(_ b: Button) -> Bool { b.rawValue < buttons.count && buttons[b.rawValue] }
        func pressed(_ b: Button) -> Bool { held(b) && !(b.rawValue < last.count && last[b.rawValue]) }
        c.translation = SIMD3(-a(.leftY), -a(.leftX), -a(.rightY))
        c.rotation.z = -a(.rightX)
        if held(.leftBumper) { c.gripper = true }
        if held(.rightBumper) { c.gripper = false }
        if pressed(.a) { c.events.append(.start) }
        if pressed(.y) { c.events.append(.saveAndNext) }
        if pressed(.x) { c.events.append(.rerecord) }
        if pressed(.b) { c.events.append(.stop) }
        last = buttons
        return c
    }
}
