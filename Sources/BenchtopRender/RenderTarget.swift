import BenchtopCore
internal import CGL

/// An offscreen framebuffer of one resolution, reused for every frame of that size: RGBA8 colour, R32F metric depth,
/// R32I body id, and a 24-bit depth buffer for hidden-surface removal.
///
/// Cameras draw into it upside down (see `PinholeCamera.projectionMatrix(flipY:)`), so glReadPixels, which reads
/// bottom-up, returns the top image row first with no row copy.
final class RenderTarget {
    let width: Int
    let height: Int
    private(set) var framebuffer: GLuint = 0
    private(set) var colorTexture: GLuint = 0
    private(set) var depthTexture: GLuint = 0
    private var idTexture: GLuint = 0
    private var depthBuffer: GLuint = 0

    init(width: Int, height: Int) throws(RenderError) {
        self.width = width
        self.height = height
        glGenFramebuffers(1, &framebuffer)
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), framebuffer)
        colorTexture = Self.texture(width, height, internalFormat: GL_RGBA8, format: GL_RGBA, type: GL_UNSIGNED_BYTE, filter: GL_LINEAR)
        depthTexture = Self.texture(width, height, internalFormat: GL_R32F, format: GL_RED, type: GL_FLOAT, filter: GL_NEAREST)
        idTexture = Self.texture(width, height, internalFormat: GL_R32I, format: GL_RED_INTEGER, type: GL_INT, filter: GL_NEAREST)
        for (i, t) in [colorTexture, depthTexture, idTexture].enumerated() {
            glFramebufferTexture2D(GLenum(GL_FRAMEBUFFER), GLenum(GL_COLOR_ATTACHMENT0 + Int32(i)), GLenum(GL_TEXTURE_2D), t, 0)
        }
        glGenRenderbuffers(1, &depthBuffer)
        glBindRenderbuffer(GLenum(GL_RENDERBUFFER), depthBuffer)
        glRenderbufferStorage(GLenum(GL_RENDERBUFFER), GLenum(GL_DEPTH_COMPONENT24), GLsizei(width), GLsizei(height))
        glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_DEPTH_ATTACHMENT), GLenum(GL_RENDERBUFFER), depthBuffer)
        let buffers: [GLenum] = [GLenum(GL_COLOR_ATTACHMENT0), GLenum(GL_COLOR_ATTACHMENT1), GLenum(GL_COLOR_ATTACHMENT2)]
        glDrawBuffers(3, buffers)
        let status = glCheckFramebufferStatus(GLenum(GL_FRAMEBUFFER))
        guard status == GLenum(GL_FRAMEBUFFER_COMPLETE) else {
            delete()
            throw .framebuffer(width: width, height: height, status: Int(status))
        }
    }

    private static func texture(_ w: Int, _ h: Int, internalFormat: Int32, format: Int32, type: Int32, filter: Int32) -> GLuint {
        var t: GLuint = 0
        glGenTextures(1, &t)
        glBindTexture(GLenum(GL_TEXTURE_2D), t)
        glTexImage2D(GLenum(GL_TEXTURE_2D), 0, internalFormat, GLsizei(w), GLsizei(h), 0, GLenum(format), GLenum(type), nil)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), filter)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), filter)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
        return t
    }

    /// Binds the framebuffer with only the attachments of `outputs` enabled (a software rasteriser writes every
    /// enabled attachment per fragment), and clears them: colour to the background, depth to `far`, ids to -1.
    func bindAndClear(background: [Float], far: Float, outputs: RenderOutputs = .all) {
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), framebuffer)
        glViewport(0, 0, GLsizei(width), GLsizei(height))
        let none = GLenum(GL_NONE)
        let buffers: [GLenum] = [
            outputs.contains(.rgb) ? GLenum(GL_COLOR_ATTACHMENT0) : none,
            outputs.contains(.depth) ? GLenum(GL_COLOR_ATTACHMENT1) : none,
            outputs.contains(.segmentation) ? GLenum(GL_COLOR_ATTACHMENT2) : none,
        ]
        glDrawBuffers(3, buffers)
        if outputs.contains(.rgb) { background.withUnsafeBufferPointer { glClearBufferfv(GLenum(GL_COLOR), 0, $0.baseAddress) } }
        if outputs.contains(.depth) {
            let farValue: [Float] = [far, 0, 0, 0]
            farValue.withUnsafeBufferPointer { glClearBufferfv(GLenum(GL_COLOR), 1, $0.baseAddress) }
        }
        if outputs.contains(.segmentation) {
            let noBody: [GLint] = [-1, 0, 0, 0]
            noBody.withUnsafeBufferPointer { glClearBufferiv(GLenum(GL_COLOR), 2, $0.baseAddress) }
        }
        var one: Float = 1
        glClearBufferfv(GLenum(GL_DEPTH), 0, &one)
    }

    /// Reads the requested images back (one glReadPixels each).
    func read(_ outputs: RenderOutputs) -> CameraImages {
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), framebuffer)
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
        var images = CameraImages()
        let n = width * height
        if outputs.contains(.rgb) {
            glReadBuffer(GLenum(GL_COLOR_ATTACHMENT0))
            let pixels = [UInt8](unsafeUninitializedCapacity: n * 3) { buffer, count in
                glReadPixels(0, 0, GLsizei(width), GLsizei(height), GLenum(GL_RGB), GLenum(GL_UNSIGNED_BYTE), buffer.baseAddress)
                count = n * 3
            }
            images.rgb = RGBImage(width: width, height: height, pixels: pixels)
        }
        if outputs.contains(.depth) {
            glReadBuffer(GLenum(GL_COLOR_ATTACHMENT1))
            let values = [Float](unsafeUninitializedCapacity: n) { buffer, count in
                glReadPixels(0, 0, GLsizei(width), GLsizei(height), GLenum(GL_RED), GLenum(GL_FLOAT), buffer.baseAddress)
                count = n
            }
            images.depth = DepthImage(width: width, height: height, values: values)
        }
        if outputs.contains(.segmentation) {
            glReadBuffer(GLenum(GL_COLOR_ATTACHMENT2))
            let ids = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
                glReadPixels(0, 0, GLsizei(width), GLsizei(height), GLenum(GL_RED_INTEGER), GLenum(GL_INT), buffer.baseAddress)
                count = n
            }
            images.segmentation = SegmentationImage(width: width, height: height, ids: ids)
        }
        return images
    }

    func delete() {
        var textures = [colorTexture, depthTexture, idTexture]
        glDeleteTextures(3, &textures)
        glDeleteRenderbuffers(1, &depthBuffer)
        glDeleteFramebuffers(1, &framebuffer)
    }
}
