internal import CGL

/// Small helpers over the raw GL API (GL constants import as Int32 macros).
enum GL {
    static func string(_ name: Int32) -> String {
        guard let p = glGetString(GLenum(name)) else { return "unknown" }
        return String(cString: p)
    }

    /// Compiles and links a program from vertex and fragment sources.
    static func program(vertex: String, fragment: String, label: String) throws(RenderError) -> GLuint {
        let vs = try compile(GLenum(GL_VERTEX_SHADER), vertex, label: "\(label) vertex")
        let fs = try compile(GLenum(GL_FRAGMENT_SHADER), fragment, label: "\(label) fragment")
        let program = glCreateProgram()
        glAttachShader(program, vs)
        glAttachShader(program, fs)
        glLinkProgram(program)
        glDeleteShader(vs)
        glDeleteShader(fs)
        var ok: GLint = 0
        glGetProgramiv(program, GLenum(GL_LINK_STATUS), &ok)
        guard ok != 0 else {
            let log = infoLog(program, program: true)
            glDeleteProgram(program)
            throw .shader(stage: "\(label) link", log: log)
        }
        return program
    }

    private static func compile(_ kind: GLenum, _ source: String, label: String) throws(RenderError) -> GLuint {
        let shader = glCreateShader(kind)
        source.withCString { p in
            var ptr: UnsafePointer<GLchar>? = p
            glShaderSource(shader, 1, &ptr, nil)
        }
        glCompileShader(shader)
        var ok: GLint = 0
        glGetShaderiv(shader, GLenum(GL_COMPILE_STATUS), &ok)
        guard ok != 0 else {
            let log = infoLog(shader, program: false)
            glDeleteShader(shader)
            throw .shader(stage: label, log: log)
        }
        return shader
    }

    private static func infoLog(_ object: GLuint, program: Bool) -> String {
        var length: GLint = 0
        if program { glGetProgramiv(object, GLenum(GL_INFO_LOG_LENGTH), &length) } else { glGetShaderiv(object, GLenum(GL_INFO_LOG_LENGTH), &length) }
        var buffer = [GLchar](repeating: 0, count: Int(max(length, 1)) + 1)
        if program {
            glGetProgramInfoLog(object, GLsizei(buffer.count), nil, &buffer)
        } else {
            glGetShaderInfoLog(object, GLsizei(buffer.count), nil, &buffer)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func uniform(_ program: GLuint, _ name: String) -> GLint {
        glGetUniformLocation(program, name)
    }

    /// Byte offset as the pointer argument glVertexAttribPointer takes.
    static func offset(_ bytes: Int) -> UnsafeRawPointer? { UnsafeRawPointer(bitPattern: bytes) }
}

/// A column-major 4x4 single-precision matrix for GL uniforms.
struct Matrix4: Sendable, Equatable {
    var m: [Float]

    init(_ columnMajor: [Double]) { m = columnMajor.map { Float($0) } }
    init(floats: [Float]) { m = floats }

    static let identity = Matrix4([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    static func * (a: Matrix4, b: Matrix4) -> Matrix4 {
        var r = [Float](repeating: 0, count: 16)
        for c in 0..<4 {
            for row in 0..<4 {
                var s: Float = 0
                for k in 0..<4 { s += a.m[k * 4 + row] * b.m[c * 4 + k] }
                r[c * 4 + row] = s
            }
        }
        return Matrix4(floats: r)
    }

    func set(_ location: GLint) {
        m.withUnsafeBufferPointer { glUniformMatrix4fv(location, 1, GLboolean(GL_FALSE), $0.baseAddress) }
    }
}

/// Facts about the current OpenGL context.
public enum RendererInfo {
    /// The GL_RENDERER string of the current context (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
    public static var current: String { GL.string(GL_RENDERER) }
}
