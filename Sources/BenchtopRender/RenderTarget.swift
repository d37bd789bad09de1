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
    /// Pixel buffer objects for asynchronous read-back, one per plane (0: not made yet).
    private var packBuffers: [GLuint] = [0, 0, 0]

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

    /// Reads the requested images back (one synchronous glReadPixels each: the CPU waits for the GPU every call).
    func read(_ outputs: RenderOutputs) -> CameraImages {
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), framebuffer)
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
        var images = CameraImages()
        for plane in Plane.allCases where outputs.contains(plane.output) {
            glReadBuffer(plane.attachment)
            images.set(plane, width: width, height: height) { buffer in
                glReadPixels(0, 0, GLsizei(width), GLsizei(height), plane.format, plane.type, buffer)
            }
        }
        return images
    }

    /// Starts reading the requested images into this target's pixel buffer objects: the GPU copies while the CPU
    /// goes on (with the next camera's read-back); `finishRead` then maps them. Same bytes as `read`.
    func beginRead(_ outputs: RenderOutputs) {
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), framebuffer)
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
        for plane in Plane.allCases where outputs.contains(plane.output) {
            let index = plane.rawValue
            if packBuffers[index] == 0 {
                // STREAM_READ: written by GL, read once by the CPU (drivers place it in cached host memory).
                glGenBuffers(1, &packBuffers[index])
                glBindBuffer(GLenum(GL_PIXEL_PACK_BUFFER), packBuffers[index])
                glBufferData(GLenum(GL_PIXEL_PACK_BUFFER), width * height * plane.bytesPerPixel, nil, GLenum(GL_STREAM_READ))
            }
            glBindBuffer(GLenum(GL_PIXEL_PACK_BUFFER), packBuffers[index])
            glReadBuffer(plane.attachment)
            glReadPixels(0, 0, GLsizei(width), GLsizei(height), plane.format, plane.type, nil)
        }
        glBindBuffer(GLenum(GL_PIXEL_PACK_BUFFER), 0)
    }

    /// Waits for the reads `beginRead` started and copies them out.
    func finishRead(_ outputs: RenderOutputs) -> CameraImages {
        var images = CameraImages()
        for plane in Plane.allCases where outputs.contains(plane.output) {
            let bytes = width * height * plane.bytesPerPixel
            glBindBuffer(GLenum(GL_PIXEL_PACK_BUFFER), packBuffers[plane.rawValue])
            let mapped = glMapBufferRange(GLenum(GL_PIXEL_PACK_BUFFER), 0, bytes, GLbitfield(GL_MAP_READ_BIT))
            images.set(plane, width: width, height: height) { buffer in
                if let mapped {
                    buffer.copyMemory(from: mapped, byteCount: bytes)
                } else {
                    buffer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
                }
            }
            glUnmapBuffer(GLenum(GL_PIXEL_PACK_BUFFER))
        }
        glBindBuffer(GLenum(GL_PIXEL_PACK_BUFFER), 0)
        return images
    }

    func delete() {
        var textures = [colorTexture, depthTexture, idTexture]
        glDeleteTextures(3, &textures)
        glDeleteRenderbuffers(1, &depthBuffer)
        glDeleteBuffers(3, &packBuffers)
        glDeleteFramebuffers(1, &framebuffer)
    }
}

/// The three images a target holds, with their GL read formats.
enum Plane: Int, CaseIterable {
    case rgb, depth, segmentation

    var output: RenderOutputs {
        switch self {
        case .rgb: .rgb
        case .depth: .depth
        case .segmentation: .segmentation
        }
    }
    var attachment: GLenum { GLenum(GL_COLOR_ATTACHMENT0 + Int32(rawValue)) }
    var format: GLenum { GLenum(self == .rgb ? GL_RGB : self == .depth ? GL_RED : GL_RED_INTEGER) }
    var type: GLenum { GLenum(self == .rgb ? GL_UNSIGNED_BYTE : self == .depth ? GL_FLOAT : GL_INT) }
    var bytesPerPixel: Int { self == .rgb ? 3 : 4 }
}

extension CameraImages {
    /// Sets one plane from bytes `fill` writes (width x height pixels, top row first).
    fileprivate mutating func set(_ plane: Plane, width: Int, height: Int, fill: (UnsafeMutableRawPointer) -> Void) {
        let n = width * height
        switch plane {
        case .rgb:
            let pixels = [UInt8](unsafeUninitializedCapacity: n * 3) { buffer, count in
                fill(UnsafeMutableRawPointer(buffer.baseAddress!))
                count = n * 3
            }
            rgb = RGBImage(width: width, height: height, pixels: pixels)
        case .depth:
            let values = [Float](unsafeUninitializedCapacity: n) { buffer, count in
                fill(UnsafeMutableRawPointer(buffer.baseAddress!))
                count = n
            }
            depth = DepthImage(width: width, height: height, values: values)
        case .segmentation:
            let ids = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
                fill(UnsafeMutableRawPointer(buffer.baseAddress!))
                count = n
            }
            segmentation = SegmentationImage(width: width, height: height, ids: ids)
        }
    }
}
