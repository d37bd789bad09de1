import BenchtopCore
internal import CGL

extension GL {
    /// Uploads a mesh material's image as a mipmapped, repeating RGBA8 texture. The bytes are used as they are, like
    /// every colour the renderer draws (no sRGB decoding), so an image pixel shows as the same colour would.
    static func texture(_ image: TextureImage) -> GLuint {
        var name: GLuint = 0
        glGenTextures(1, &name)
        glBindTexture(GLenum(GL_TEXTURE_2D), name)
        glPixelStorei(GLenum(GL_UNPACK_ALIGNMENT), 1)
        image.rgba.withUnsafeBytes {
            glTexImage2D(
                GLenum(GL_TEXTURE_2D), 0, GL_RGBA8, GLsizei(image.width), GLsizei(image.height), 0, GLenum(GL_RGBA),
                GLenum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        glGenerateMipmap(GLenum(GL_TEXTURE_2D))
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), GL_LINEAR_MIPMAP_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_REPEAT)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_REPEAT)
        glBindTexture(GLenum(GL_TEXTURE_2D), 0)
        return name
    }
}
