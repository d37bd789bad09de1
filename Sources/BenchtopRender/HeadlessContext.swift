internal import CEGL
internal import CGL
import Foundation

/// A headless OpenGL 3.3 core context: on an EGL device (a GPU, chosen with `BENCHTOP_EGL_DEVICE`), else on Mesa's
/// surfaceless platform (llvmpipe without a GPU) or the default display.
///
/// No window and no display server are needed: rendering goes into framebuffer objects. The context is
/// current on the thread that created it; use it from that thread only.
public final class HeadlessContext {
    /// The environment variable that picks an EGL device by index (MuJoCo's MUJOCO_EGL_DEVICE_ID is the model).
    public static let deviceVariable = "BENCHTOP_EGL_DEVICE"

    private let display: EGLDisplay
    private let context: EGLContext

    /// The GL renderer string (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
    public let renderer: String
    /// The GL version string.
    public let version: String
    /// Where the display came from, e.g. "EGL device 0 of 2 (/dev/dri/card1)" or "Mesa surfaceless platform".
    public let displaySource: String

    /// Creates a context and makes it current on this thread.
    ///
    /// The display is the EGL device `BENCHTOP_EGL_DEVICE` names when it is set (an error when that device does not
    /// exist); otherwise the first hardware EGL device, otherwise Mesa's surfaceless platform, otherwise the default
    /// display.
    public convenience init() throws(RenderError) {
        try self.init(device: try Self.requestedDevice(ProcessInfo.processInfo.environment))
    }

    /// Creates a context on EGL device `device` (nil: choose as `init()` describes) and makes it current.
    public init(device: Int?) throws(RenderError) {
        let (display, source) = try Self.openDisplay(device: device)
        var major: EGLint = 0
        var minor: EGLint = 0
        guard eglInitialize(display, &major, &minor) == EGL_TRUE else {
            throw .contextUnavailable("eglInitialize on the \(source) failed (EGL error 0x\(String(eglGetError(), radix: 16)))")
        }
        guard eglBindAPI(EGLenum(EGL_OPENGL_API)) == EGL_TRUE else {
            throw .contextUnavailable("eglBindAPI(OpenGL) failed: the EGL driver has no desktop OpenGL")
        }
        let attributes: [EGLint] = [
            EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
            EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
            EGL_NONE,
        ]
        // No config: the surfaceless platform matches no configs with a depth buffer; we render into FBOs anyway.
        guard let context = eglCreateContext(display, nil, nil, attributes) else {
            let error = eglGetError()
            throw .contextUnavailable("eglCreateContext(OpenGL 3.3 core) on the \(source) failed (EGL error 0x\(String(error, radix: 16)))")
        }
        guard eglMakeCurrent(display, nil, nil, context) == EGL_TRUE else {
            eglDestroyContext(display, context)
            throw .contextUnavailable("eglMakeCurrent without a surface failed on the \(source)")
        }
        self.display = display
        self.context = context
        displaySource = source
        renderer = GL.string(GL_RENDERER)
        version = GL.string(GL_VERSION)
    }

    /// Makes the context current on the calling thread again.
    public func makeCurrent() {
        eglMakeCurrent(display, nil, nil, context)
    }

    deinit {
        // The display is process-wide and shared by every context (other threads may be using it): never terminate it.
        eglMakeCurrent(display, nil, nil, nil)
        eglDestroyContext(display, context)
    }

    // MARK: - Choosing the display

    /// One EGL device as the device-enumeration extension lists it.
    public struct Device: Sendable, CustomStringConvertible {
        public let index: Int
        /// The device's renderer name (EGL_EXT_device_query_name) or DRM device file, when the driver tells.
        public let name: String?
        /// Mesa's software device (llvmpipe) rather than a GPU.
        public let isSoftware: Bool
        public var description: String {
            guard let name else { return "\(index): \(isSoftware ? "software rasteriser" : "unnamed device")" }
            return "\(index): \(name)\(isSoftware ? " (software)" : "")"
        }
    }

    /// The EGL devices of this machine (empty when the driver has no device enumeration).
    public static func devices() -> [Device] {
        deviceHandles().enumerated().map { index, handle in device(index, handle) }
    }

    /// The device index `BENCHTOP_EGL_DEVICE` asks for in `environment` (nil when unset or empty).
    public static func requestedDevice(_ environment: [String: String]) throws(RenderError) -> Int? {
        guard let text = environment[deviceVariable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let index = Int(text), index >= 0 else {
            throw .contextUnavailable("\(deviceVariable)='\(text.prefix(40))' is not a device index (expected 0, 1, ...)")
        }
        return index
    }

    private static func deviceHandles() -> [EGLDeviceEXT?] {
        guard hasClientExtension("EGL_EXT_device_enumeration") || hasClientExtension("EGL_EXT_device_base") else { return [] }
        let count = benchtop_egl_query_devices(nil, 0)
        guard count > 0 else { return [] }
        var handles = [EGLDeviceEXT?](repeating: nil, count: Int(count))
        let found = benchtop_egl_query_devices(&handles, count)
        return Array(handles.prefix(Int(max(found, 0))))
    }

    private static func device(_ index: Int, _ handle: EGLDeviceEXT?) -> Device {
        func string(_ name: Int32) -> String? { benchtop_egl_device_string(handle, EGLint(name)).map { String(cString: $0) } }
        let extensions = string(EGL_EXTENSIONS)?.split(separator: " ") ?? []
        let name = string(EGL_RENDERER_EXT) ?? string(EGL_DRM_DEVICE_FILE_EXT)
        return Device(index: index, name: name, isSoftware: extensions.contains("EGL_MESA_device_software"))
    }

    private static func openDisplay(device requested: Int?) throws(RenderError) -> (EGLDisplay, String) {
        let handles = deviceHandles()
        let platformDevice = hasClientExtension("EGL_EXT_platform_device")
        func deviceDisplay(_ index: Int) -> EGLDisplay? {
            guard platformDevice else { return nil }
            return eglGetPlatformDisplay(EGLenum(EGL_PLATFORM_DEVICE_EXT), UnsafeMutableRawPointer(handles[index]), nil)
        }
        if let requested {
            guard !handles.isEmpty, platformDevice else {
                throw .contextUnavailable(
                    "\(deviceVariable)=\(requested) but this EGL has no device enumeration (EGL_EXT_device_enumeration and"
                        + " EGL_EXT_platform_device); unset \(deviceVariable) to use the default display")
            }
            guard requested < handles.count else {
                let listed = handles.indices.map { device($0, handles[$0]).description }.joined(separator: "; ")
                throw .contextUnavailable(
                    "\(deviceVariable)=\(requested) is out of range: EGL lists \(handles.count) device(s) (\(listed));"
                        + " use 0...\(handles.count - 1) or unset it")
            }
            guard let display = deviceDisplay(requested) else {
                throw .contextUnavailable("eglGetPlatformDisplay(EGL device \(requested)) failed (EGL error 0x\(String(eglGetError(), radix: 16)))")
            }
            return (display, "EGL device \(device(requested, handles[requested]).description) of \(handles.count)")
        }
        // Unset: the first GPU the device platform lists (as MuJoCo takes the first device that initialises), so that
        // a GPU server with Mesa installed too does not render on the CPU.
        for index in handles.indices where !device(index, handles[index]).isSoftware {
            if let display = deviceDisplay(index), eglInitialize(display, nil, nil) == EGL_TRUE {
                return (display, "EGL device \(device(index, handles[index]).description) of \(handles.count)")
            }
        }
        // No GPU: Mesa's surfaceless platform (works with no display), else the default display.
        if hasClientExtension("EGL_MESA_platform_surfaceless"),
            let display = eglGetPlatformDisplay(EGLenum(EGL_PLATFORM_SURFACELESS_MESA), nil, nil)
        {
            return (display, "Mesa surfaceless platform")
        }
        guard let display = eglGetDisplay(nil) else {
            throw .contextUnavailable("eglGetDisplay found no display (install libegl-mesa0, or a GPU driver's EGL)")
        }
        return (display, "default display")
    }

    private static func hasClientExtension(_ name: String) -> Bool {
        guard let p = eglQueryString(nil, EGL_EXTENSIONS) else { return false }
        return String(cString: p).split(separator: " ").contains { $0 == name }
    }
}
