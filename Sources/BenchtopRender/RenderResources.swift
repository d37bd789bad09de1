import BenchtopCore
internal import CGL

// The GPU-side pieces a `SceneRenderer` is built from: instances, draw groups, programs and mesh buffers.

/// One shape primitive of one body: drawn as an instance of a shared unit mesh.
struct PartInstance {
    static let floats = 24  // model 16, 1/scale^2 3, colour + texture 4, body id 1
    var body: Int
    var mesh: Int
    var local: Pose
    var scale: SIMD3<Double>
    var color: SIMD4<Float>
    var layer: DrawLayer
    /// Distance from the part's origin to its farthest vertex, metres.
    var boundingRadius = 0.0
    /// The shader's texture code (the colour's fourth component).
    var texture: Int { Int(color.w.rounded()) }
    var isGround: Bool { layer == .ground }
}

/// Draw order: what lies in front first, so the early depth test skips shading the table and ground behind it.
enum DrawLayer: CaseIterable {
    case foreground, table, ground
}

/// A file mesh and the image it is painted with: the same triangles with another image are another GPU mesh.
struct TexturedMesh: Hashable {
    var mesh: TriangleMesh
    var texture: TextureImage?
}

struct InstanceGroup {
    var mesh: Int
    var texture: Int
    var first: Int
    var count: Int
    var layer: DrawLayer
    var vertexArray: GLuint

    var isGround: Bool { layer == .ground }
}

/// A rectangle of shadow-map texels (origin bottom-left, as glScissor takes it).
struct TexelRect: Equatable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    func union(_ o: TexelRect) -> TexelRect {
        if o.width <= 0 || o.height <= 0 { return self }
        if width <= 0 || height <= 0 { return o }
        let x0 = min(x, o.x)
        let y0 = min(y, o.y)
        return TexelRect(x: x0, y: y0, width: max(x + width, o.x + o.width) - x0, height: max(y + height, o.y + o.height) - y0)
    }
}

/// A linked scene program and its uniform locations.
struct SceneProgram {
    let program: GLuint
    private var locations: [String: GLint] = [:]

    init(fragment: String) throws(RenderError) {
        program = try GL.program(vertex: Shaders.sceneVertex, fragment: fragment, label: "scene")
        for name in [
            "uView", "uProjection", "uLightViewProjection", "uEye", "uShadowMap", "uShadowBias", "uSky", "uGround",
            "uDiffuse",
        ] {
            locations[name] = GL.uniform(program, name)
        }
    }

    /// The location of a uniform (-1, which GL ignores, when the specialised program does not use it).
    func uniform(_ name: String) -> GLint { locations[name] ?? GL.uniform(program, name) }
}

/// A mesh uploaded to static GPU buffers.
struct MeshBuffers {
    var vertexBuffer: GLuint = 0
    var indexBuffer: GLuint = 0
    var uvBuffer: GLuint = 0
    var indexCount: Int

    init(_ data: MeshData) {
        indexCount = data.indices.count
        glGenBuffers(1, &vertexBuffer)
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), vertexBuffer)
        data.vertices.withUnsafeBytes { glBufferData(GLenum(GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STATIC_DRAW)) }
        glGenBuffers(1, &indexBuffer)
        glBindBuffer(GLenum(GL_ELEMENT_ARRAY_BUFFER), indexBuffer)
        data.indices.withUnsafeBytes {
            glBufferData(GLenum(GL_ELEMENT_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STATIC_DRAW))
        }
        if !data.uvs.isEmpty {
            glGenBuffers(1, &uvBuffer)
            glBindBuffer(GLenum(GL_ARRAY_BUFFER), uvBuffer)
            data.uvs.withUnsafeBytes { glBufferData(GLenum(GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STATIC_DRAW)) }
        }
    }

    func delete() {
        var buffers = [vertexBuffer, indexBuffer, uvBuffer]
        glDeleteBuffers(3, &buffers)
    }
}
