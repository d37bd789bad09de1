internal import CEGL
internal import CGL

/// A headless OpenGL 3.3 core context on EGL's surfaceless platform (Mesa llvmpipe without a GPU, or a GPU driver).
///
/// No window and no display server are needed: rendering goes into framebuffer objects. The context is
/// current on the thread that created it; use it from that thread only.
public final class HeadlessContext {
    private let display: EGLDisplay
    private let context: EGLContext

    /// The GL renderer string (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
    public let renderer: String
    /// The GL version string.
    public let version: String

    /// Creates a context and makes it current on this thread.
    public init() throws(RenderError) {
        var display: EGLDisplay? = nil
        // Prefer Mesa's surfaceless platform (works with no GPU and no display); fall back to the default display.
        if Self.hasClientExtension("EGL_MESA_platform_surfaceless") {
            display = eglGetPlatformDisplay(EGLenum(EGL_PLATFORM_SURFACELESS_MESA), nil, nil)
        }
        if display == nil { display = eglGetDisplay(nil) }
        guard let display else { throw .contextUnavailable("eglGetPlatformDisplay found no display (install libegl-mesa0)") }
        var major: EGLint = 0
        var minor: EGLint = 0
        guard eglInitialize(display, &major, &minor) == EGL_TRUE else {
            throw .contextUnavailable("eglInitialize failed (EGL error 0x\(String(eglGetError(), radix: 16)))")
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
            throw .contextUnavailable("eglCreateContext(OpenGL 3.3 core) failed (EGL error 0x\(String(error, radix: 16)))")
        }
        guard eglMakeCurrent(display, nil, nil, context) == EGL_TRUE else {
            eglDestroyContext(display, context)
            throw .contextUnavailable("eglMakeCurrent without a surface failed")
        }
        self.display = display
        self.context = context
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

    private static func hasClientExtension(_ name: String) -> Bool {
        guard let p = eglQueryString(nil, EGL_EXTENSIONS) else { return false }
        return String(cString: p).split(separator: " ").contains { $0 == name }
    }
}
