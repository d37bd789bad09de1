import BenchtopCore
internal import CGL

/// An axis-aligned rectangle in window pixels, origin at the top-left, y down.
public struct PixelRect: Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// An RGBA colour for overlays, components in 0 ... 1.
public struct OverlayColor: Sendable, Hashable {
    public var r: Float, g: Float, b: Float, a: Float
    public init(_ r: Float, _ g: Float, _ b: Float, _ a: Float = 1) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }
    public init(_ c: Color, alpha: Float = 1) { self.init(Float(c.r), Float(c.g), Float(c.b), alpha) }
    public static let white = OverlayColor(1, 1, 1)
    public static let black = OverlayColor(0, 0, 0)
}

/// Draws 2D overlays into the window framebuffer: filled rectangles, thick polylines, camera images, colourised
/// depth images and text. Coordinates are window framebuffer pixels, origin top-left, y down.
///
/// Lines are drawn as triangles (core profile has no wide lines), on top of the scene without depth testing.
public final class OverlayRenderer {
    private var program: GLuint = 0
    private var vertexArray: GLuint = 0
    private var buffer: GLuint = 0
    private var fontTexture: GLuint = 0
    private var colormapTexture: GLuint = 0
    /// Reused for CPU images (`rgbImage`): re-uploaded only when a different image is drawn.
    private var imageTexture: GLuint = 0
    private var imageKey: (Int, Int, Int)?
    private var size = SIMD2<Double>(1, 1)
    private var vertices: [Float] = []
    private let uViewport: GLint, uMode: GLint, uTexture: GLint, uDepthRange: GLint, uColormap: GLint

    /// Creates the overlay program on the current context; `colormap` is 256 RGB triples, near first, for depth images.
    public init(colormap: [UInt8]) throws(RenderError) {
        guard colormap.count == 256 * 3 else { throw .invalidRequest("a depth colormap needs 256 RGB triples") }
        program = try GL.program(vertex: Shaders.overlayVertex, fragment: Shaders.overlayFragment, label: "overlay")
        uViewport = GL.uniform(program, "uViewport")
        uMode = GL.uniform(program, "uMode")
        uTexture = GL.uniform(program, "uTexture")
        uDepthRange = GL.uniform(program, "uDepthRange")
        uColormap = GL.uniform(program, "uColormap")
        glGenVertexArrays(1, &vertexArray)
        glBindVertexArray(vertexArray)
        glGenBuffers(1, &buffer)
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), buffer)
        let stride = GLsizei(8 * 4)
        glEnableVertexAttribArray(0)
        glVertexAttribPointer(0, 2, GLenum(GL_FLOAT), GLboolean(GL_FALSE), stride, GL.offset(0))
        glEnableVertexAttribArray(1)
        glVertexAttribPointer(1, 2, GLenum(GL_FLOAT), GLboolean(GL_FALSE), stride, GL.offset(8))
        glEnableVertexAttribArray(2)
        glVertexAttribPointer(2, 4, GLenum(GL_FLOAT), GLboolean(GL_FALSE), stride, GL.offset(16))
        glBindVertexArray(0)
        glPixelStorei(GLenum(GL_UNPACK_ALIGNMENT), 1)
        let atlas = BitmapFont.atlas()
        fontTexture = Self.texture(width: atlas.width, height: atlas.height, format: GL_RED, internalFormat: GL_R8, data: atlas.texels)
        colormapTexture = Self.texture(
            width: 256, height: 1, format: GL_RGB, internalFormat: GL_RGB8, data: colormap,
            filter: GL_LINEAR)
    }

    deinit {
        var textures = [fontTexture, colormapTexture, imageTexture]
        glDeleteTextures(imageTexture == 0 ? 2 : 3, &textures)
        glDeleteBuffers(1, &buffer)
        glDeleteVertexArrays(1, &vertexArray)
        glDeleteProgram(program)
    }

    private static func texture(
        width: Int, height: Int, format: Int32, internalFormat: Int32, data: [UInt8],
        filter: Int32 = GL_NEAREST
    ) -> GLuint {
        var t: GLuint = 0
        glGenTextures(1, &t)
        glBindTexture(GLenum(GL_TEXTURE_2D), t)
        glTexImage2D(
            GLenum(GL_TEXTURE_2D), 0, internalFormat, GLsizei(width), GLsizei(height), 0, GLenum(format),
            GLenum(GL_UNSIGNED_BYTE), data)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), filter)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), filter)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
        return t
    }

    /// Targets the window framebuffer of the given size (in framebuffer pixels) for the following draws.
    public func begin(width: Int, height: Int) {
        size = SIMD2(Double(max(width, 1)), Double(max(height, 1)))
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), 0)
        glViewport(0, 0, GLsizei(width), GLsizei(height))
        glDisable(GLenum(GL_DEPTH_TEST))
        glDisable(GLenum(GL_CULL_FACE))
        glEnable(GLenum(GL_BLEND))
        glBlendFunc(GLenum(GL_SRC_ALPHA), GLenum(GL_ONE_MINUS_SRC_ALPHA))
        glUseProgram(program)
        glUniform2f(uViewport, Float(size.x), Float(size.y))
        glUniform1i(uTexture, 0)
        glUniform1i(uColormap, 1)
    }

    /// Clears the whole window to a colour.
    public func clear(_ color: OverlayColor) {
        glClearColor(color.r, color.g, color.b, color.a)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))
    }

    // MARK: - Primitives

    /// A filled rectangle.
    public func fill(_ rect: PixelRect, _ color: OverlayColor) {
        quad(rect, uv: (0, 0, 1, 1), color)
        flush(mode: 0)
    }

    /// A polyline `width` pixels thick (square joins), optionally clipped to a rectangle.
    public func polyline(_ points: [SIMD2<Double>], color: OverlayColor, width: Double = 2, clip: PixelRect? = nil) {
        guard points.count >= 2 else { return }
        if let clip { scissor(clip) }
        let half = width / 2
        for (a, b) in zip(points, points.dropFirst()) {
            let d = b - a
            let len = (d * d).sum().squareRoot()
            guard len > 1e-9 else { continue }
            let t = d / len * half  // extend each segment by half a width so joins close
            let n = SIMD2(-d.y, d.x) / len * half
            let p0 = a - t + n
            let p1 = b + t + n
            let p2 = b + t - n
            let p3 = a - t - n
            for p in [p0, p1, p2, p0, p2, p3] { vertex(p, SIMD2(0, 0), color) }
        }
        flush(mode: 0)
        if clip != nil { glDisable(GLenum(GL_SCISSOR_TEST)) }
    }

    /// A camera's colour image, stretched to `rect`.
    public func image(_ view: RenderedView, in rect: PixelRect) {
        glActiveTexture(GLenum(GL_TEXTURE0))
        glBindTexture(GLenum(GL_TEXTURE_2D), view.colorTexture)
        // Offscreen views are stored top row first, so texture v = 0 is the image's top.
        quad(rect, uv: (0, 0, 1, 1), .white)
        flush(mode: 1)
    }

    /// A CPU image (top row first), stretched to `rect`. The texture is re-uploaded only when the image changes.
    public func rgbImage(_ image: RGBImage, in rect: PixelRect) {
        glActiveTexture(GLenum(GL_TEXTURE0))
        let key = (image.width, image.height, image.pixels.hashValue)
        if imageTexture == 0 || imageKey.map({ $0 != key }) ?? true {
            if imageTexture != 0 { glDeleteTextures(1, &imageTexture) }
            glPixelStorei(GLenum(GL_UNPACK_ALIGNMENT), 1)
            imageTexture = Self.texture(
                width: image.width, height: image.height, format: GL_RGB, internalFormat: GL_RGB8,
                data: image.pixels, filter: GL_LINEAR)
            imageKey = key
        }
        glBindTexture(GLenum(GL_TEXTURE_2D), imageTexture)
        quad(rect, uv: (0, 0, 1, 1), .white)
        flush(mode: 1)
    }

    /// A camera's metric depth image through the colour map, `near` ... `far` metres mapped to its two ends.
    public func depthImage(_ view: RenderedView, in rect: PixelRect, near: Double, far: Double) {
        glActiveTexture(GLenum(GL_TEXTURE1))
        glBindTexture(GLenum(GL_TEXTURE_2D), colormapTexture)
        glActiveTexture(GLenum(GL_TEXTURE0))
        glBindTexture(GLenum(GL_TEXTURE_2D), view.depthTexture)
        glUniform2f(uDepthRange, Float(near), Float(far))
        quad(rect, uv: (0, 0, 1, 1), .white)
        flush(mode: 2)
    }

    /// Text with its top-left corner at `origin`, each font pixel drawn `scale` window pixels wide; returns its size.
    @discardableResult
    public func text(_ string: String, at origin: SIMD2<Double>, scale: Double = 2, color: OverlayColor = .white) -> SIMD2<Double> {
        let cw = Double(BitmapFont.cellWidth)
        let ch = Double(BitmapFont.cellHeight)
        let atlasWidth = cw * Double(BitmapFont.characterCount)
        var x = origin.x
        var y = origin.y
        var widest = 0.0
        for character in string {
            if character == "\n" {
                widest = max(widest, x - origin.x)
                x = origin.x
                y += ch * scale
                continue
            }
            let cell = Double(BitmapFont.cell(character))
            quad(
                PixelRect(x: x, y: y, width: cw * scale, height: ch * scale),
                uv: (cell * cw / atlasWidth, 0, (cell + 1) * cw / atlasWidth, 1), color)
            x += cw * scale
        }
        glActiveTexture(GLenum(GL_TEXTURE0))
        glBindTexture(GLenum(GL_TEXTURE_2D), fontTexture)
        flush(mode: 3)
        return SIMD2(max(widest, x - origin.x), y + ch * scale - origin.y)
    }

    /// The size text would take, in window pixels.
    public static func textSize(_ string: String, scale: Double = 2) -> SIMD2<Double> {
        let lines = string.split(separator: "\n", omittingEmptySubsequences: false)
        let columns = lines.map(\.count).max() ?? 0
        return SIMD2(Double(columns * BitmapFont.cellWidth) * scale, Double(lines.count * BitmapFont.cellHeight) * scale)
    }

    // MARK: - Batching

    private func quad(_ r: PixelRect, uv: (Double, Double, Double, Double), _ color: OverlayColor) {
        let a = SIMD2(r.x, r.y)
        let b = SIMD2(r.x + r.width, r.y)
        let c = SIMD2(r.x + r.width, r.y + r.height)
        let d = SIMD2(r.x, r.y + r.height)
        let ta = SIMD2(uv.0, uv.1)
        let tb = SIMD2(uv.2, uv.1)
        let tc = SIMD2(uv.2, uv.3)
        let td = SIMD2(uv.0, uv.3)
        vertex(a, ta, color)
        vertex(b, tb, color)
        vertex(c, tc, color)
        vertex(a, ta, color)
        vertex(c, tc, color)
        vertex(d, td, color)
    }

    private func vertex(_ p: SIMD2<Double>, _ uv: SIMD2<Double>, _ c: OverlayColor) {
        vertices += [Float(p.x), Float(p.y), Float(uv.x), Float(uv.y), c.r, c.g, c.b, c.a]
    }

    private func flush(mode: Int32) {
        guard !vertices.isEmpty else { return }
        glUseProgram(program)
        glUniform1i(uMode, mode)
        glBindVertexArray(vertexArray)
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), buffer)
        vertices.withUnsafeBytes { glBufferData(GLenum(GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STREAM_DRAW)) }
        glDrawArrays(GLenum(GL_TRIANGLES), 0, GLsizei(vertices.count / 8))
        glBindVertexArray(0)
        vertices.removeAll(keepingCapacity: true)
    }

    private func scissor(_ r: PixelRect) {
        glEnable(GLenum(GL_SCISSOR_TEST))
        glScissor(GLint(r.x), GLint(size.y - r.y - r.height), GLsizei(max(r.width, 0)), GLsizei(max(r.height, 0)))
    }

    // MARK: - Capture

    /// Reads the window's back buffer (call before swapping) as an RGB image, top row first.
    public static func captureWindow(width: Int, height: Int) -> RGBImage {
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), 0)
        glReadBuffer(GLenum(GL_BACK))
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
        var raw = [UInt8](repeating: 0, count: width * height * 3)
        glReadPixels(0, 0, GLsizei(width), GLsizei(height), GLenum(GL_RGB), GLenum(GL_UNSIGNED_BYTE), &raw)
        // GL rows are bottom-up: flip into image order.
        var pixels = [UInt8](repeating: 0, count: raw.count)
        let row = width * 3
        for y in 0..<height {
            pixels.replaceSubrange(y * row..<(y + 1) * row, with: raw[(height - 1 - y) * row..<(height - y) * row])
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
