import BenchtopTeleop
internal import CGLFW
import Foundation

/// The viewer's name for one frame of operator input (the device-independent command of BenchtopTeleop).
public typealias TeleopInput = TeleopCommand

/// Which devices the viewer window reads for teleoperation: the keyboard always; `gamepad` adds the first
/// joystick with an SDL mapping; `mouse` lets a plain left drag that starts on the target marker move it.
public enum TeleopDevice: String, Sendable, CaseIterable {
    case keyboard, gamepad, mouse
}

/// The teleoperation hook of the viewer: when set, the viewer feeds it key events, the gamepad and mouse drags every
/// frame and calls `input` with the command; the target marker (where a drag starts) is `marker`.
public final class TeleopBinding {
    public let device: TeleopDevice
    /// Called once per frame with the operator's input (also while paused: a gripper toggle is not lost).
    public var input: (TeleopInput) -> Void
    /// The TCP target to draw and to start a drag from (world frame), nil to hide the marker.
    public var marker: () -> SIMD3<Double>?
    /// Extra lines for the status overlay (episode, phase, time left, TCP, contacts).
    public var status: () -> [String]
    /// Set by the session to close the window (after Esc, or when the last episode is saved).
    public var closeRequested = false
    /// The operator's view this frame (the orbit camera's azimuth): key and stick directions follow it.
    public private(set) var view = OperatorView(azimuth: OrbitCamera().azimuth)
    public let keyboard = KeyboardTeleoperator()
    /// A line for the overlay when the chosen device is missing (no gamepad attached).
    public private(set) var deviceProblem: String?

    public init(
        device: TeleopDevice, input: @escaping (TeleopInput) -> Void, marker: @escaping () -> SIMD3<Double>? = { nil },
        status: @escaping () -> [String] = { [] }
    ) {
        self.device = device
        self.input = input
        self.marker = marker
        self.status = status
    }

    public static var helpText: String { KeyboardTeleoperator.helpText }

    /// Adds SDL GameControllerDB mappings (github.com/mdqinc/SDL_GameControllerDB `gamecontrollerdb.txt`, or the
    /// lines of SDL's SDL_GAMECONTROLLERCONFIG variable) to the copy compiled into GLFW. Call after the viewer opened.
    /// Returns how many mapping lines there were (GLFW skips lines it cannot parse without saying so).
    @discardableResult
    public static func updateGamepadMappings(_ text: String, source: String) throws -> Int {
        let lines = text.split(whereSeparator: \.isNewline).filter { line in
            let guid = line.prefix(32)
            return guid.count == 32 && guid.allSatisfy(\.isHexDigit) && line.dropFirst(32).first == ","
        }
        guard !lines.isEmpty, glfwUpdateGamepadMappings(text) == GLFW_TRUE else {
            throw TeleopDeviceError(
                "\(source): no SDL GameControllerDB mapping lines (expected GUID,name,a:b0,... as in gamecontrollerdb.txt)")
        }
        return lines.count
    }

    // MARK: - Device reading (viewer internals)

    private var gamepad = GamepadMapping()
    private var dragging = false
    private var dragStart = SIMD3<Double>(0, 0, 0)
    private var leftWasDown = false
    private var warnedNoGamepad = false

    static let keyMap: [Int32: TeleopKey] = [
        GLFW_KEY_W: .w, GLFW_KEY_S: .s, GLFW_KEY_A: .a, GLFW_KEY_D: .d, GLFW_KEY_R: .r, GLFW_KEY_F: .f, GLFW_KEY_Z: .z,
        GLFW_KEY_X: .x, GLFW_KEY_T: .t, GLFW_KEY_G: .g, GLFW_KEY_C: .c, GLFW_KEY_V: .v, GLFW_KEY_SPACE: .space,
        GLFW_KEY_ENTER: .enter, GLFW_KEY_KP_ENTER: .enter, GLFW_KEY_TAB: .tab, GLFW_KEY_B: .b, GLFW_KEY_LEFT: .left,
        GLFW_KEY_RIGHT: .right, GLFW_KEY_ESCAPE: .escape, GLFW_KEY_LEFT_SHIFT: .shift, GLFW_KEY_RIGHT_SHIFT: .shift,
    ]

    /// Keys this binding owns (the viewer skips its own meaning for them).
    func consume(key: Int32, into input: inout TeleopInput) -> Bool { Self.keyMap[key] != nil }

    /// Raw key events in arrival order (GLFW_PRESS, GLFW_REPEAT, GLFW_RELEASE).
    func keyEvents(_ events: [(key: Int32, action: Int32)]) {
        for (key, action) in events {
            guard let k = Self.keyMap[key] else { continue }
            keyboard.handle(k, action == GLFW_RELEASE ? .release : action == GLFW_REPEAT ? .repeat : .press)
        }
    }

    /// The keyboard's command and the gamepad, in the operator frame; `azimuth` is the orbit camera's.
    func poll(window: OpaquePointer, azimuth: Double, into input: inout TeleopInput) {
        view = OperatorView(azimuth: azimuth)
        if glfwGetWindowAttrib(window, GLFW_FOCUSED) == 0 { keyboard.releaseAll() }  // no release events will come
        input = input.merged(with: keyboard.read())
        guard device == .gamepad else { return }
        guard glfwJoystickPresent(GLFW_JOYSTICK_1) == GLFW_TRUE else {
            deviceProblem = "NO GAMEPAD ATTACHED: PLUG ONE IN (THE KEYBOARD STILL WORKS)"
            if !warnedNoGamepad {
                warnedNoGamepad = true
                FileHandle.standardError.write(
                    Data("benchtop: no gamepad attached (GLFW sees no joystick); plug one in, the keyboard keys work meanwhile\n".utf8))
            }
            return
        }
        var state = GLFWgamepadstate()
        if glfwJoystickIsGamepad(GLFW_JOYSTICK_1) == GLFW_TRUE, glfwGetGamepadState(GLFW_JOYSTICK_1, &state) == GLFW_TRUE {
            deviceProblem = nil
            let axes = withUnsafeBytes(of: state.axes) { Array($0.bindMemory(to: Float.self)) }.map { Double($0) }
            let buttons = withUnsafeBytes(of: state.buttons) { Array($0.bindMemory(to: UInt8.self)) }.map { Int32($0) == GLFW_PRESS }
            input = input.merged(with: gamepad.command(axes: axes, buttons: buttons))
        } else {
            let name = glfwGetJoystickGUID(GLFW_JOYSTICK_1).map { String(cString: $0) } ?? "?"
            deviceProblem = "JOYSTICK \(name) HAS NO SDL MAPPING: GIVE --gamepad-mappings gamecontrollerdb.txt"
        }
    }

    /// Ctrl + left drag (or, with the `mouse` device, a left drag that starts within 4 cm of the marker) moves the
    /// marker in the horizontal plane through it; Ctrl + right drag moves it vertically (in the vertical plane facing
    /// the view). Returns true while dragging (the orbit camera then stays put).
    func drag(window: OpaquePointer, ray: (origin: SIMD3<Double>, direction: SIMD3<Double>), into input: inout TeleopInput) -> Bool {
        let ctrl = glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS
        let left = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS
        let right = glfwGetMouseButton(window, GLFW_MOUSE_BUTTON_RIGHT) == GLFW_PRESS
        defer { leftWasDown = left }
        var grab = ctrl && (left || right)
        if device == .mouse, left, !grab, let m = marker() {
            // A plain press near the marker grabs it; once grabbed, the drag continues until release.
            let toMarker = m - ray.origin
            let along = (toMarker * ray.direction).sum()
            let miss = toMarker - along * ray.direction
            grab = dragging || (!leftWasDown && along > 0 && (miss * miss).sum().squareRoot() < 0.04)
        }
        guard grab else {
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
