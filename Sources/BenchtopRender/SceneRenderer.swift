import BenchtopCore
import BenchtopScene
internal import CGL
import Foundation

/// Draws world snapshots with OpenGL 3.3 core: every body's primitives, procedural textures, directional lights
/// and a shadow map from the key light, into RGB, metric depth and segmentation images.
///
/// The renderer reads only the bodies' static descriptions and the snapshot's poses (never physics), so it serves
/// headless camera images (on a `HeadlessContext`) and the interactive viewer (on a window's context) alike.
/// It draws on whatever GL context is current when it is created; use it on that context only.
public final class SceneRenderer {
    /// The static bodies this renderer draws, by body id.
    public let bodies: [BodyDescription]
    public let lights: [Light]
    public let background: Color
    /// Side of the square shadow map in texels (0: no shadows).
    public let shadowMapSize: Int
    /// How camera images come back from GL (the same bytes either way; `bench render --readback` compares them).
    public var readBack: ReadBack = .pixelBuffers

    /// The scene program specialised for each texture code in use (see `Shaders.sceneFragment`).
    private var scenePrograms: [Int: SceneProgram] = [:]
    private var shadowProgram: GLuint = 0
    private var meshes: [MeshBuffers] = []
    /// Image textures of textured meshes (GL names), by mesh index.
    private var meshTextures: [Int: GLuint] = [:]
    private var groups: [InstanceGroup] = []
    private var instances: [PartInstance] = []
    private var instanceBuffer: GLuint = 0
    private var instanceData: [Float] = []
    /// Offscreen targets by (width, height, slot): one slot per camera of a multi-camera call.
    private var targets: [SIMD3<Int>: RenderTarget] = [:]
    private var shadowTexture: GLuint = 0
    private var shadowFramebuffer: GLuint = 0
    private var keyLight: Int = -1
    private var lightViewProjection = Matrix4.identity
    private var shadowBias: Float = 0
    private var prepared: WorldSnapshot?
    /// Each instance's body pose and texel rectangle when the shadow map was last drawn (nil: not a caster then);
    /// nil before the first map.
    private var shadowInstancePoses: [Pose?]?
    private var shadowRects: [TexelRect?] = []
    private var scratchVertexArray: GLuint = 0

    /// Height of the table top above the floor (z = 0) in metres: the `.table` body gets four visual-only legs down to
    /// the floor (nil: no legs). They are drawn with the table's id and colour; physics never sees them.
    public let tableHeight: Double?

    /// Creates a renderer for a world's bodies, lit by `lights` (the first light that casts shadows is the key light).
    public init(
        bodies: [BodyDescription], lights: [Light], background: Color, shadowMapSize: Int = 1024,
        tableHeight: Double? = nil
    ) throws(RenderError) {
        self.bodies = bodies
        self.tableHeight = tableHeight
        self.lights = Array(lights.prefix(4))
        self.background = background
        self.shadowMapSize = shadowMapSize
        keyLight = shadowMapSize > 0 ? (self.lights.firstIndex { $0.castsShadows } ?? -1) : -1
        shadowProgram = try GL.program(vertex: Shaders.shadowVertex, fragment: Shaders.shadowFragment, label: "shadow")
        // Element buffer bindings are vertex-array state: keep one bound while uploading meshes.
        glGenVertexArrays(1, &scratchVertexArray)
        glBindVertexArray(scratchVertexArray)
        buildInstances()
        for texture in Set(groups.map(\.texture)).sorted() {
            scenePrograms[texture] = try SceneProgram(
                fragment: Shaders.sceneFragment(lightCount: self.lights.count, shadowLight: keyLight, texture: texture))
        }
        if keyLight >= 0 { try makeShadowMap() }
        setStaticUniforms()
    }

    /// A renderer for a scene's lights and background and a world's bodies.
    public convenience init(scene: Scene, bodies: [BodyDescription], shadowMapSize: Int = 1024) throws(RenderError) {
        try self.init(
            bodies: bodies, lights: scene.lights, background: scene.background, shadowMapSize: shadowMapSize,
            tableHeight: scene.table.height)
    }

    deinit {
        for t in targets.values { t.delete() }
        for m in meshes { m.delete() }
        for var t in meshTextures.values { glDeleteTextures(1, &t) }
        glDeleteBuffers(1, &instanceBuffer)
        for g in groups {
            var v = g.vertexArray
            glDeleteVertexArrays(1, &v)
        }
        glDeleteVertexArrays(1, &scratchVertexArray)
        if shadowTexture != 0 {
            glDeleteTextures(1, &shadowTexture)
            glDeleteFramebuffers(1, &shadowFramebuffer)
        }
        for p in scenePrograms.values { glDeleteProgram(p.program) }
        glDeleteProgram(shadowProgram)
    }

    // MARK: - Camera images

    /// Renders one camera's images of `snapshot`.
    public func render(
        _ snapshot: WorldSnapshot, camera: PinholeCamera,
        outputs: RenderOutputs = .all
    ) throws(RenderError) -> CameraImages {
        try render(snapshot, cameras: [camera], outputs: outputs)[0]
    }

    /// Renders several cameras' images of one snapshot; body poses and the shadow map are computed once.
    public func render(
        _ snapshot: WorldSnapshot, cameras: [PinholeCamera],
        outputs: RenderOutputs = .all
    ) throws(RenderError) -> [CameraImages] {
        try render(snapshot, cameras: cameras.map { ($0, outputs) })
    }

    /// Renders several cameras' images of one snapshot, each with its own outputs (only those are drawn and read).
    public func render(_ snapshot: WorldSnapshot, cameras: [(camera: PinholeCamera, outputs: RenderOutputs)]) throws(RenderError) -> [CameraImages] {
        prepare(snapshot)
        // Draw every camera into its own target before reading any back: a software rasteriser then rasterises one
        // camera on its worker threads while this thread prepares the next camera's vertices.
        var drawn: [RenderTarget] = []
        for (slot, (camera, outputs)) in cameras.enumerated() {
            drawn.append(try drawOffscreen(camera, outputs: outputs, slot: slot))
        }
        switch readBack {
        case .synchronous:
            return zip(drawn, cameras).map { target, request in target.read(request.outputs) }
        case .pixelBuffers:
            // Every camera's copies are queued before the first wait: one GPU round trip per call, not per image.
            for (target, request) in zip(drawn, cameras) { target.beginRead(request.outputs) }
            return zip(drawn, cameras).map { target, request in target.finishRead(request.outputs) }
        }
    }

    /// Renders a camera into its offscreen target without reading it back, for on-screen panels.
    public func renderView(_ snapshot: WorldSnapshot, camera: PinholeCamera) throws(RenderError) -> RenderedView {
        prepare(snapshot)
        let target = try drawOffscreen(camera)
        return RenderedView(
            width: camera.width, height: camera.height, colorTexture: target.colorTexture,
            depthTexture: target.depthTexture, near: camera.near, far: camera.far)
    }

    /// Renders into the currently bound window framebuffer, in the viewport rectangle given in framebuffer pixels
    /// (origin bottom-left, as GL has it); the camera's resolution should match the viewport's size.
    public func renderToWindow(_ snapshot: WorldSnapshot, camera: PinholeCamera, viewport: (x: Int, y: Int, width: Int, height: Int)) {
        prepare(snapshot)
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), 0)
        glViewport(GLint(viewport.x), GLint(viewport.y), GLsizei(viewport.width), GLsizei(viewport.height))
        glEnable(GLenum(GL_SCISSOR_TEST))
        glScissor(GLint(viewport.x), GLint(viewport.y), GLsizei(viewport.width), GLsizei(viewport.height))
        let bg = clearColor
        glClearColor(bg[0], bg[1], bg[2], 1)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))
        glDisable(GLenum(GL_SCISSOR_TEST))
        drawScene(camera, flipY: false)
    }

    // MARK: - Frame preparation

    /// Uploads the snapshot's body poses and redraws the shadow map, unless this snapshot is already prepared.
    private func prepare(_ snapshot: WorldSnapshot) {
        if let prepared, prepared == snapshot { return }
        writeInstances(snapshot)
        instanceData.withUnsafeBytes { raw in
            glBindBuffer(GLenum(GL_ARRAY_BUFFER), instanceBuffer)
            glBufferSubData(GLenum(GL_ARRAY_BUFFER), 0, raw.count, raw.baseAddress)
        }
        if keyLight >= 0 { drawShadowMap(snapshot) }
        prepared = snapshot
    }

    private func writeInstances(_ snapshot: WorldSnapshot) {
        instanceData.withUnsafeMutableBufferPointer { out in
            for (k, instance) in instances.enumerated() {
                let o = k * PartInstance.floats
                guard instance.body < snapshot.bodies.count else {
                    for i in 0..<16 { out[o + i] = 0 }  // no state: a zero matrix draws nothing
                    continue
                }
                let pose = snapshot.bodies[instance.body].pose * instance.local
                let r = pose.orientation.matrix
                let s = instance.scale
                for c in 0..<3 {
                    out[o + 4 * c] = Float(r[c] * s[c])
                    out[o + 4 * c + 1] = Float(r[3 + c] * s[c])
                    out[o + 4 * c + 2] = Float(r[6 + c] * s[c])
                    out[o + 4 * c + 3] = 0
                }
                out[o + 12] = Float(pose.position.x)
                out[o + 13] = Float(pose.position.y)
                out[o + 14] = Float(pose.position.z)
                out[o + 15] = 1
            }
        }
    }

    /// Redraws the shadow map for `snapshot` when a caster moved. When the light's projection is the one of the last map, only the texels
    /// that a moved caster covered before or covers now are cleared and redrawn (a scissor): every texel is the
    /// nearest caster's depth whatever the drawing order, so the map is the same bits as a full redraw, and the
    /// table, which dominates the map, is not redrawn each tick because the arm moved.
    private func drawShadowMap(_ snapshot: WorldSnapshot) {
        // The map depends only on the casters' (every body but the ground) poses.
        let poses = instances.map {
            $0.body < snapshot.bodies.count && !$0.isGround ? snapshot.bodies[$0.body].pose : nil
        }
        if let previous = shadowInstancePoses, previous == poses { return }
        // Fit an orthographic light frustum around the casters.
        let light = lights[keyLight]
        var direction = light.direction
        direction /= max(length(direction), 1e-12)
        var lo = SIMD3<Double>(repeating: .infinity)
        var hi = SIMD3<Double>(repeating: -.infinity)
        var spheres: [(SIMD3<Double>, Double)] = []
        for (instance, pose) in zip(instances, poses) {
            guard let pose else { continue }
            let p = (pose * instance.local).position
            let r = length(instance.scale)
            spheres.append((p, r))
            lo = pointwiseMin(lo, p - r)
            hi = pointwiseMax(hi, p + r)
        }
        guard !spheres.isEmpty else {
            lightViewProjection = Matrix4.identity
            shadowInstancePoses = poses
            shadowRects = poses.map { _ in nil }
            return
        }
        let centre = (lo + hi) / 2
        let radius = length(hi - lo) / 2
        let lightPose = PinholeCamera.lookAt(
            eye: centre - direction * (radius + 1), target: centre,
            up: abs(direction.z) > 0.9 ? SIMD3(1, 0, 0) : SIMD3(0, 0, 1))
        let toLight = lightPose.inverse
        var l = Double.infinity
        var r = -Double.infinity
        var b = Double.infinity
        var t = -Double.infinity
        var n = Double.infinity
        var f = -Double.infinity
        for (p, radius) in spheres {
            let q = toLight.transform(p)
            l = min(l, q.x - radius)
            r = max(r, q.x + radius)
            b = min(b, q.y - radius)
            t = max(t, q.y + radius)
            n = min(n, -q.z - radius)
            f = max(f, -q.z + radius)
        }
        n -= 0.05
        f += 5  // receivers (the floor) lie beyond the casters along the light
        var ortho = [Double](repeating: 0, count: 16)
        ortho[0] = 2 / (r - l)
        ortho[12] = -(r + l) / (r - l)
        ortho[5] = 2 / (t - b)
        ortho[13] = -(t + b) / (t - b)
        ortho[10] = -2 / (f - n)
        ortho[14] = -(f + n) / (f - n)
        ortho[15] = 1
        let projection = Matrix4(ortho) * Matrix4(PinholeCamera.columnMajor(toLight))
        let bias = Float(0.002 / (f - n))  // 2 mm, in [0, 1] depth units

        // The texels each caster instance can cover, and the region that changed since the last map.
        let m = projection.m.map(Double.init)
        let rects = zip(instances, poses).map { instance, pose in
            pose.map { texelRect(centre: ($0 * instance.local).position, radius: instance.boundingRadius, m) }
        }
        var region: TexelRect? = TexelRect(x: 0, y: 0, width: shadowMapSize, height: shadowMapSize)
        if let previous = shadowInstancePoses, projection == lightViewProjection, bias == shadowBias,
            previous.count == poses.count
        {
            region = nil
            for k in poses.indices where poses[k] != previous[k] {
                for rect in [rects[k], shadowRects[k]] {
                    if let rect { region = region.map { $0.union(rect) } ?? rect }
                }
            }
        }
        lightViewProjection = projection
        shadowBias = bias
        shadowInstancePoses = poses
        shadowRects = rects
        guard let region, region.width > 0, region.height > 0 else { return }

        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), shadowFramebuffer)
        glViewport(0, 0, GLsizei(shadowMapSize), GLsizei(shadowMapSize))
        glEnable(GLenum(GL_SCISSOR_TEST))
        glScissor(GLint(region.x), GLint(region.y), GLsizei(region.width), GLsizei(region.height))
        glClear(GLbitfield(GL_DEPTH_BUFFER_BIT))
        glEnable(GLenum(GL_DEPTH_TEST))
        glEnable(GLenum(GL_CULL_FACE))
        glCullFace(GLenum(GL_FRONT))  // store back faces: lit front faces never self-shadow
        glFrontFace(GLenum(GL_CCW))
        glUseProgram(shadowProgram)
        lightViewProjection.set(GL.uniform(shadowProgram, "uLightViewProjection"))
        for group in groups where group.count > 0 && !group.isGround {
            glBindVertexArray(group.vertexArray)
            glDrawElementsInstanced(
                GLenum(GL_TRIANGLES), GLsizei(meshes[group.mesh].indexCount), GLenum(GL_UNSIGNED_INT),
                nil, GLsizei(group.count))
        }
        glCullFace(GLenum(GL_BACK))
        glDisable(GLenum(GL_SCISSOR_TEST))
    }

    /// The shadow-map texels a sphere can cover under an orthographic light projection (column-major `m`), with two
    /// texels to spare.
    private func texelRect(centre: SIMD3<Double>, radius: Double, _ m: [Double]) -> TexelRect {
        let x = m[0] * centre.x + m[4] * centre.y + m[8] * centre.z + m[12]
        let y = m[1] * centre.x + m[5] * centre.y + m[9] * centre.z + m[13]
        // The projection is a rotation then an axis scale: a row's length is that axis' scale.
        let sx = (m[0] * m[0] + m[4] * m[4] + m[8] * m[8]).squareRoot() * radius
        let sy = (m[1] * m[1] + m[5] * m[5] + m[9] * m[9]).squareRoot() * radius
        let size = Double(shadowMapSize)
        func texel(_ ndc: Double) -> Int { Int(max(min((ndc + 1) / 2 * size, size), 0).rounded(.down)) }
        let x0 = max(texel(x - sx) - 2, 0)
        let y0 = max(texel(y - sy) - 2, 0)
        let x1 = min(texel(x + sx) + 3, shadowMapSize)
        let y1 = min(texel(y + sy) + 3, shadowMapSize)
        return TexelRect(x: x0, y: y0, width: max(x1 - x0, 0), height: max(y1 - y0, 0))
    }

    // MARK: - Drawing

    private var clearColor: [Float] {
        func encode(_ c: Double) -> Float { Float(min(max(c, 0), 1)) }
        return [encode(background.r), encode(background.g), encode(background.b), 1]
    }

    private func drawOffscreen(_ camera: PinholeCamera, outputs: RenderOutputs = .all, slot: Int = 0) throws(RenderError) -> RenderTarget {
        guard camera.width > 0, camera.height > 0, camera.width <= 16384, camera.height <= 16384 else {
            throw .invalidRequest("camera resolution \(camera.width)x\(camera.height) is not drawable")
        }
        let key = SIMD3(camera.width, camera.height, slot)
        let target: RenderTarget
        if let existing = targets[key] {
            target = existing
        } else {
            target = try RenderTarget(width: camera.width, height: camera.height)
            targets[key] = target
        }
        target.bindAndClear(background: clearColor, far: Float(camera.far), outputs: outputs)
        drawScene(camera, flipY: true)
        return target
    }

    /// Draws all bodies with the scene program into the bound framebuffer and viewport.
    private func drawScene(_ camera: PinholeCamera, flipY: Bool) {
        glEnable(GLenum(GL_DEPTH_TEST))
        glDepthFunc(GLenum(GL_LESS))
        glDisable(GLenum(GL_BLEND))
        glEnable(GLenum(GL_CULL_FACE))
        glCullFace(GLenum(GL_BACK))
        // Flipping y mirrors the image, which reverses the winding of every triangle.
        glFrontFace(GLenum(flipY ? GL_CW : GL_CCW))
        let eye = camera.pose.position
        for p in scenePrograms.values {
            glUseProgram(p.program)
            Matrix4(camera.viewMatrix).set(p.uniform("uView"))
            Matrix4(camera.projectionMatrix(flipY: flipY)).set(p.uniform("uProjection"))
            lightViewProjection.set(p.uniform("uLightViewProjection"))
            glUniform3f(p.uniform("uEye"), Float(eye.x), Float(eye.y), Float(eye.z))
            glUniform1f(p.uniform("uShadowBias"), shadowBias)
        }
        if keyLight >= 0 {
            glActiveTexture(GLenum(GL_TEXTURE0))
            glBindTexture(GLenum(GL_TEXTURE_2D), shadowTexture)
        }
        var current: Int? = nil
        for group in groups where group.count > 0 {  // ground last (see buildInstances)
            if group.texture != current, let p = scenePrograms[group.texture] {
                glUseProgram(p.program)
                current = group.texture
            }
            if let texture = meshTextures[group.mesh] {
                glActiveTexture(GLenum(GL_TEXTURE1))
                glBindTexture(GLenum(GL_TEXTURE_2D), texture)
                glActiveTexture(GLenum(GL_TEXTURE0))
            }
            glBindVertexArray(group.vertexArray)
            glDrawElementsInstanced(
                GLenum(GL_TRIANGLES), GLsizei(meshes[group.mesh].indexCount), GLenum(GL_UNSIGNED_INT),
                nil, GLsizei(group.count))
        }
        glBindVertexArray(0)
        glFrontFace(GLenum(GL_CCW))
    }

    private func setStaticUniforms() {
        for p in scenePrograms.values {
            glUseProgram(p.program)
            glUniform1i(p.uniform("uShadowMap"), 0)
            glUniform1i(p.uniform("uDiffuse"), 1)
            glUniform3f(p.uniform("uSky"), 0.34, 0.35, 0.37)
            glUniform3f(p.uniform("uGround"), 0.16, 0.15, 0.14)
            for (i, light) in lights.enumerated() {
                var d = light.direction
                d /= max(length(d), 1e-12)
                glUniform3f(p.uniform("uLightDirection[\(i)]"), Float(d.x), Float(d.y), Float(d.z))
                let c = light.color
                let k = light.intensity
                glUniform3f(p.uniform("uLightColor[\(i)]"), Float(c.r * k), Float(c.g * k), Float(c.b * k))
            }
        }
    }

    private func makeShadowMap() throws(RenderError) {
        glGenTextures(1, &shadowTexture)
        glBindTexture(GLenum(GL_TEXTURE_2D), shadowTexture)
        glTexImage2D(
            GLenum(GL_TEXTURE_2D), 0, GL_DEPTH_COMPONENT16, GLsizei(shadowMapSize), GLsizei(shadowMapSize), 0,
            GLenum(GL_DEPTH_COMPONENT), GLenum(GL_UNSIGNED_SHORT), nil)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), GL_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_COMPARE_MODE), GL_COMPARE_REF_TO_TEXTURE)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_COMPARE_FUNC), GL_LEQUAL)
        glGenFramebuffers(1, &shadowFramebuffer)
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), shadowFramebuffer)
        glFramebufferTexture2D(GLenum(GL_FRAMEBUFFER), GLenum(GL_DEPTH_ATTACHMENT), GLenum(GL_TEXTURE_2D), shadowTexture, 0)
        glDrawBuffer(GLenum(GL_NONE))
        glReadBuffer(GLenum(GL_NONE))
        let status = glCheckFramebufferStatus(GLenum(GL_FRAMEBUFFER))
        guard status == GLenum(GL_FRAMEBUFFER_COMPLETE) else {
            throw .framebuffer(width: shadowMapSize, height: shadowMapSize, status: Int(status))
        }
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), 0)
    }

    // MARK: - Static geometry

    /// Shader texture codes for objects: patterns at centimetre scale (the table's are at decimetre scale).
    static func objectTextureCode(_ name: String?) -> Float {
        switch name {
        case "stripes": 5
        case "checker": 6
        case "dots": 7
        case "noise": 8
        default: 0
        }
    }

    /// Turns every body's parts into instances of a few shared meshes, grouped by mesh so that each mesh is one
    /// instanced draw call per frame.
    private func buildInstances() {
        // Tessellation for 256-pixel cameras: smooth normals hide the facets, and llvmpipe processes vertices on the
        // calling thread, so 24x16 spheres and 32-sided cylinders cost ~10% of a closed-loop tick for no visible gain.
        var meshData: [MeshData] = [.box(), .sphere(stacks: 10, slices: 16), .cylinder(slices: 20)]
        let box = 0
        let sphere = 1
        let cylinder = 2
        var meshIndex: [TexturedMesh: Int] = [:]
        var images: [Int: TextureImage] = [:]
        var list: [PartInstance] = []
        for (id, body) in bodies.enumerated() {
            let texture: Float =
                if body.kind == .object { Self.objectTextureCode(body.texture) } else {
                    switch body.texture {
                    case "wood": 1
                    case "checker": 2
                    case "noise": 3
                    default: body.kind == .ground ? 4 : 0
                    }
                }
            let color = SIMD4(Float(body.color.r), Float(body.color.g), Float(body.color.b), texture)
            var partColor: Color? = nil  // a mesh material's colour, under the body's procedural texture when it has one
            var partImage = false  // painted with its material's image (shader texture code 9)
            func add(_ mesh: Int, _ local: Pose, _ scale: SIMD3<Double>) {
                var c = partColor.map { SIMD4(Float($0.r), Float($0.g), Float($0.b), texture) } ?? color
                if partImage { c.w = 9 }
                list.append(
                    PartInstance(
                        body: id, mesh: mesh, local: local, scale: scale, color: c,
                        layer: body.kind == .ground ? .ground : body.kind == .table ? .table : .foreground))
            }
            if body.kind == .table, let height = tableHeight, case .box(let top)? = body.parts.first?.shape {
                // Legs 4 cm square, 6 cm in from the corners, from the underside of the top (the body's origin is the
                // top's centre, World puts it at height - half thickness) down to the floor.
                let underside = body.parts[0].pose.position.z - top.z
                let half = (height - 2 * top.z) / 2
                if half > 0.005 {
                    for sx in [-1.0, 1.0] {
                        for sy in [-1.0, 1.0] {
                            let centre = SIMD3(sx * max(top.x - 0.06, 0), sy * max(top.y - 0.06, 0), underside - half)
                            add(box, Pose(position: centre), SIMD3(0.02, 0.02, half))
                        }
                    }
                }
            }
            for part in body.parts {
                partColor = part.color
                partImage = false
                switch part.shape {
                case .box(let h): add(box, part.pose, h)
                case .sphere(let r): add(sphere, part.pose, SIMD3(repeating: r))
                case .cylinder(let r, let hh): add(cylinder, part.pose, SIMD3(r, r, hh))
                case .capsule(let r, let hh):
                    add(cylinder, part.pose, SIMD3(r, r, hh))
                    for z in [-hh, hh] {
                        add(sphere, part.pose * Pose(position: SIMD3(0, 0, z)), SIMD3(repeating: r))
                    }
                case .convexHull(let points):
                    meshData.append(.convexHull(points))
                    add(meshData.count - 1, part.pose, SIMD3(repeating: 1))
                case .mesh(let mesh):
                    // One mesh per part and image, with the file's own normals (shared between parts that are the same).
                    let image = mesh.uvs.count == mesh.positions.count ? part.texture : nil
                    partImage = image != nil
                    let key = TexturedMesh(mesh: mesh, texture: image)
                    if let index = meshIndex[key] {
                        add(index, part.pose, SIMD3(repeating: 1))
                    } else {
                        meshData.append(MeshData(mesh, textured: image != nil))
                        meshIndex[key] = meshData.count - 1
                        images[meshData.count - 1] = image
                        add(meshData.count - 1, part.pose, SIMD3(repeating: 1))
                    }
                }
            }
        }
        for k in list.indices {
            // Farthest vertex from the part's origin under its scale: the shadow map's redraw region must cover it.
            let v = meshData[list[k].mesh].vertices
            let s = list[k].scale
            var farthest = 0.0
            for i in stride(from: 0, to: v.count, by: 6) {
                farthest = max(farthest, length(SIMD3(Double(v[i]), Double(v[i + 1]), Double(v[i + 2])) * s))
            }
            list[k].boundingRadius = farthest
        }
        // Ground instances get their own group so the shadow pass can skip them.
        list.sort { ($0.isGround ? 0 : 1, $0.mesh) < ($1.isGround ? 0 : 1, $1.mesh) }
        instances = list
        meshes = meshData.map { MeshBuffers($0) }
        meshTextures = images.mapValues { GL.texture($0) }
        instanceData = [Float](repeating: 0, count: max(list.count, 1) * PartInstance.floats)
        for (k, instance) in list.enumerated() {
            let o = k * PartInstance.floats
            let s = instance.scale
            instanceData[o + 16] = Float(1 / max(s.x * s.x, 1e-12))
            instanceData[o + 17] = Float(1 / max(s.y * s.y, 1e-12))
            instanceData[o + 18] = Float(1 / max(s.z * s.z, 1e-12))
            instanceData[o + 19] = instance.color.x
            instanceData[o + 20] = instance.color.y
            instanceData[o + 21] = instance.color.z
            instanceData[o + 22] = instance.color.w
            instanceData[o + 23] = Float(bitPattern: UInt32(bitPattern: Int32(instance.body)))
        }
        glGenBuffers(1, &instanceBuffer)
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), instanceBuffer)
        instanceData.withUnsafeBytes { glBufferData(GLenum(GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_DYNAMIC_DRAW)) }

        var start = 0
        while start < list.count {
            var end = start
            // A run of one mesh and one texture code: each draw uses the program specialised for its texture.
            while end < list.count && list[end].mesh == list[start].mesh && list[end].layer == list[start].layer
                && list[end].texture == list[start].texture
            { end += 1 }
            groups.append(
                InstanceGroup(
                    mesh: list[start].mesh, texture: list[start].texture, first: start, count: end - start,
                    layer: list[start].layer,
                    vertexArray: makeVertexArray(mesh: meshes[list[start].mesh], firstInstance: start)))
            start = end
        }
        // The table, then the ground, last: most of them lies behind the robot and objects, and the early depth test
        // then skips their shading (llvmpipe shades every fragment that passes; drawing the ground first shaded nearly
        // the whole image twice, and the table's wood under the hand in the wrist camera was shaded and then covered).
        groups = DrawLayer.allCases.flatMap { layer in groups.filter { $0.layer == layer } }
    }

    private func makeVertexArray(mesh: MeshBuffers, firstInstance: Int) -> GLuint {
        var vao: GLuint = 0
        glGenVertexArrays(1, &vao)
        glBindVertexArray(vao)
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), mesh.vertexBuffer)
        glBindBuffer(GLenum(GL_ELEMENT_ARRAY_BUFFER), mesh.indexBuffer)
        let vstride = GLsizei(6 * 4)
        glEnableVertexAttribArray(0)
        glVertexAttribPointer(0, 3, GLenum(GL_FLOAT), GLboolean(GL_FALSE), vstride, GL.offset(0))
        glEnableVertexAttribArray(1)
        glVertexAttribPointer(1, 3, GLenum(GL_FLOAT), GLboolean(GL_FALSE), vstride, GL.offset(12))
        glBindBuffer(GLenum(GL_ARRAY_BUFFER), instanceBuffer)
        let stride = GLsizei(PartInstance.floats * 4)
        let base = firstInstance * PartInstance.floats * 4
        for (location, (size, offset)) in [(4, 0), (4, 4), (4, 8), (4, 12), (3, 16), (4, 19)].enumerated() {
            let loc = GLuint(location + 2)
            glEnableVertexAttribArray(loc)
            glVertexAttribPointer(loc, GLint(size), GLenum(GL_FLOAT), GLboolean(GL_FALSE), stride, GL.offset(base + offset * 4))
            glVertexAttribDivisor(loc, 1)
        }
        glEnableVertexAttribArray(8)
        glVertexAttribIPointer(8, 1, GLenum(GL_INT), stride, GL.offset(base + 23 * 4))
        glVertexAttribDivisor(8, 1)
        if mesh.uvBuffer != 0 {
            glBindBuffer(GLenum(GL_ARRAY_BUFFER), mesh.uvBuffer)
            glEnableVertexAttribArray(9)
            glVertexAttribPointer(9, 2, GLenum(GL_FLOAT), GLboolean(GL_FALSE), 8, GL.offset(0))
        }
        glBindVertexArray(0)
        return vao
    }
}

/// A camera's offscreen images kept on the GPU (for viewer panels); valid until the next render at that resolution.
public struct RenderedView: Sendable {
    public let width: Int
    public let height: Int
    /// GL texture names: RGBA8 colour and R32F metric depth, both stored top row first.
    public let colorTexture: UInt32
    public let depthTexture: UInt32
    public let near: Double
    public let far: Double
}
