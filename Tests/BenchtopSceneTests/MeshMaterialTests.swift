import BenchtopCore
import BenchtopMesh
import BenchtopScene
import BenchtopTestSupport
import Foundation
import Testing

/// Mesh materials: PNG diffuse maps with the mesh's texture coordinates (OBJ + MTL, glTF/GLB), glTF base colours,
/// and the errors that name the file, the key and the texture.
@Suite struct MeshMaterialTests {
    static let scenes = "\(SceneLoaderTests.root)/scenes"

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "benchtop-materials-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func error(_ yaml: String, in dir: String) -> String {
        do {
            _ = try SceneLoader.parse(yaml, file: "\(dir)/inline.yaml")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// RGBA of the texture at pixel (x, y), rows top first.
    func pixel(_ t: TextureImage, _ x: Int, _ y: Int) -> [UInt8] { Array(t.rgba[(4 * (y * t.width + x))..<(4 * (y * t.width + x) + 4)]) }

    @Test func theDieReadsItsPNGMapAndTextureCoordinates() throws {
        let s = try SceneLoader.parse(
            "objects:\n  - {name: die, asset: mesh, file: assets/toy_die.obj, mass: 0.03, position: [0.5, 0]}\n",
            file: "\(Self.scenes)/inline.yaml")
        guard case .mesh(let die) = s.objects[0].asset, case .mesh(let mesh) = die.parts[0].shape else {
            Issue.record("expected a mesh asset")
            return
        }
        let texture = try #require(die.parts[0].texture)
        #expect(texture.name == "toy_die.png" && texture.width == 192 && texture.height == 128)
        #expect(mesh.uvs.count == mesh.positions.count && mesh.positions.count == 24)
        // The top face's cell (top-left): a white pip in the middle, red around it, a dark edge line.
        #expect(pixel(texture, 32, 32) == [250, 250, 250, 255])
        #expect(pixel(texture, 12, 50) == [200, 40, 40, 255])
        #expect(pixel(texture, 1, 30) == [30, 30, 30, 255])
        // The top face (+z) maps onto that cell: its v runs over the atlas's upper half (OBJ's v = 0 is the bottom row).
        let top = mesh.normals.indices.filter { mesh.normals[$0].z > 0.99 }
        #expect(top.count == 4)
        for k in top { #expect(mesh.uvs[k].x < 1.0 / 3 && mesh.uvs[k].y > 0.5, "\(mesh.positions[k]) -> \(mesh.uvs[k])") }
    }

    /// The shipped die and channel are exactly what scripts/make-assets.py writes.
    @Test func theShippedDieIsTheScriptsOutput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ChildProcess.run("/usr/bin/env", ["python3", "\(SceneLoaderTests.root)/scripts/make-assets.py", dir], timeout: 120)
        #expect(r.status == 0, "\(r.output.suffix(2000))")
        for name in ["toy_die.obj", "toy_die.mtl", "toy_die.png", "u_channel.obj"] {
            let made = FileManager.default.contents(atPath: "\(dir)/\(name)")
            #expect(made != nil && made == FileManager.default.contents(atPath: "\(Self.scenes)/assets/\(name)"), "\(name)")
        }
    }

    /// A cube 4 cm on a side as glTF buffers: 24 vertices (positions, texture coordinates), 36 indices.
    static func cubeBuffers() -> (positions: [Float], uvs: [Float], indices: [UInt16]) {
        var positions: [Float] = []
        var uvs: [Float] = []
        var indices: [UInt16] = []
        for axis in 0..<3 {
            for sign: Float in [-1, 1] {
                let base = UInt16(positions.count / 3)
                let u = (axis + 1) % 3
                let v = (axis + 2) % 3
                for (a, b) in [(Float(-1), Float(-1)), (1, -1), (1, 1), (-1, 1)] {
                    var p: [Float] = [0, 0, 0]
                    p[axis] = 0.02 * sign
                    p[u] = 0.02 * a * sign
                    p[v] = 0.02 * b
                    positions += p
                    uvs += [(a + 1) / 2, (b + 1) / 2]
                }
                indices += [base, base + 1, base + 2, base, base + 2, base + 3]
            }
        }
        return (positions, uvs, indices)
    }

    /// glTF JSON for the cube: one binary buffer (positions, uvs, indices, then an optional PNG image).
    static func cubeGLTF(uri: String?, color: [Double], image: Int?) -> String {
        let (p, t, i) = cubeBuffers()
        let pLength = p.count * 4
        let tLength = t.count * 4
        let iLength = i.count * 2
        let total = pLength + tLength + iLength + (image ?? 0)
        let buffer = uri.map { "{\"byteLength\": \(total), \"uri\": \"\($0)\"}" } ?? "{\"byteLength\": \(total)}"
        let material =
            image == nil
            ? "{\"pbrMetallicRoughness\": {\"baseColorFactor\": [\(color.map { "\($0)" }.joined(separator: ", "))]}}"
            : "{\"pbrMetallicRoughness\": {\"baseColorTexture\": {\"index\": 0}}}"
        let imageViews = image.map { ", {\"buffer\": 0, \"byteOffset\": \(pLength + tLength + iLength), \"byteLength\": \($0)}" } ?? ""
        let textures =
            image == nil ? "" : ", \"images\": [{\"bufferView\": 3, \"mimeType\": \"image/png\"}], \"textures\": [{\"source\": 0}]"
        return """
            {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
             "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2, "material": 0}]}],
             "materials": [\(material)]\(textures),
             "buffers": [\(buffer)],
             "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": \(pLength)},
                             {"buffer": 0, "byteOffset": \(pLength), "byteLength": \(tLength)},
                             {"buffer": 0, "byteOffset": \(pLength + tLength), "byteLength": \(iLength)}\(imageViews)],
             "accessors": [{"bufferView": 0, "componentType": 5126, "count": \(p.count / 3), "type": "VEC3",
                            "min": [-0.02, -0.02, -0.02], "max": [0.02, 0.02, 0.02]},
                           {"bufferView": 1, "componentType": 5126, "count": \(t.count / 2), "type": "VEC2"},
                           {"bufferView": 2, "componentType": 5123, "count": \(i.count), "type": "SCALAR"}]}
            """
    }

    static func cubeBinary(image: Data = Data()) -> Data {
        let (p, t, i) = cubeBuffers()
        var data = Data()
        p.withUnsafeBytes { data.append(contentsOf: $0) }
        t.withUnsafeBytes { data.append(contentsOf: $0) }
        i.withUnsafeBytes { data.append(contentsOf: $0) }
        return data + image
    }

    @Test func aGLTFCubeLoadsThroughAssimpWithItsBaseColour() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.cubeGLTF(uri: "cube.bin", color: [0.2, 0.6, 0.9, 1], image: nil).write(toFile: "\(dir)/cube.gltf", atomically: true, encoding: .utf8)
        try Self.cubeBinary().write(to: URL(fileURLWithPath: "\(dir)/cube.bin"))
        let s = try SceneLoader.parse(
            "objects:\n  - {name: cube, asset: mesh, file: cube.gltf, density: 500, position: [0.5, 0]}\n", file: "\(dir)/inline.yaml")
        guard case .mesh(let cube) = s.objects[0].asset else {
            Issue.record("expected a mesh asset")
            return
        }
        #expect(cube.parts.count == 1 && cube.parts[0].texture == nil)
        let c = try #require(cube.parts[0].color)
        #expect(abs(c.r - 0.2) + abs(c.g - 0.6) + abs(c.b - 0.9) < 1e-6, "\(c)")
        #expect(length(cube.halfExtents - SIMD3(repeating: 0.02)) < 1e-6)
        #expect(abs(s.objects[0].mass - 500 * 0.04 * 0.04 * 0.04) < 1e-6, "closed: density gives the mass")
    }

    /// A GLB (one file: JSON chunk + binary chunk) with the die's PNG embedded as its base colour texture.
    @Test func aGLBWithAnEmbeddedPNGTextureLoads() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = try #require(FileManager.default.contents(atPath: "\(Self.scenes)/assets/toy_die.png"))
        var binary = Self.cubeBinary(image: png)
        while binary.count % 4 != 0 { binary.append(0) }
        var json = Data(Self.cubeGLTF(uri: nil, color: [], image: png.count).utf8)
        while json.count % 4 != 0 { json.append(0x20) }
        func le32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        var glb = Data("glTF".utf8) + le32(2) + le32(12 + 8 + json.count + 8 + binary.count)
        glb += le32(json.count) + Data("JSON".utf8) + json
        glb += le32(binary.count) + Data("BIN\0".utf8) + binary
        try glb.write(to: URL(fileURLWithPath: "\(dir)/cube.glb"))
        let parts = try MeshFile.load(path: "\(dir)/cube.glb", root: dir)
        let texture = try #require(parts.first?.texture)
        #expect(texture.width == 192 && texture.height == 128 && pixel(texture, 32, 32) == [250, 250, 250, 255])
        #expect(parts[0].mesh.uvs.count == parts[0].mesh.positions.count && !parts[0].mesh.uvs.isEmpty)
    }

    /// `dir/t.obj`: a tetrahedron with texture coordinates and material `a` from `m.mtl` (which each test writes).
    func writeTetrahedron(in dir: String, edge: String) throws {
        let obj =
            "mtllib m.mtl\nv 0 0 0\nv \(edge) 0 0\nv 0 \(edge) 0\nv 0 0 \(edge)\nvt 0 0\nvt 1 0\nvt 0 1\nusemtl a\nf 1/1 3/3 2/2\nf 1/1 2/2 4/3\nf 1/1 4/3 3/3\nf 2/2 3/3 4/1\n"
        try obj.write(toFile: "\(dir)/t.obj", atomically: true, encoding: .utf8)
    }

    /// A 16x8 JPEG (PIL, quality 95, no chroma subsampling): red left half, blue right half.
    static let redBlueJPEG = Data(
        base64Encoded:
            "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wAARCAAIABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD5br+fz/Xw+c6/38P8Rz//2Q=="
    )!

    @Test func jpegTextureMapsAreDecoded() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTetrahedron(in: dir, edge: "0.1")
        try "newmtl a\nKd 0.5 0.5 0.5\nmap_Kd photo.jpg\n".write(toFile: "\(dir)/m.mtl", atomically: true, encoding: .utf8)
        try Self.redBlueJPEG.write(to: URL(fileURLWithPath: "\(dir)/photo.jpg"))
        let scene = try SceneLoader.parse(
            "objects:\n  - {name: t, asset: mesh, file: t.obj, mass: 0.1, position: [0.5, 0]}\n", file: "\(dir)/inline.yaml")
        guard case .mesh(let mesh) = scene.objects[0].asset else { throw TestSupportError("t.obj did not load as a mesh") }
        let texture = try #require(mesh.parts.first?.texture)
        #expect(texture.name == "photo.jpg" && texture.width == 16 && texture.height == 8)
        let left = pixel(texture, 2, 4)
        let right = pixel(texture, 13, 4)
        #expect(left[0] > 180 && left[2] < 70 && left[3] == 255, "left half red: \(left)")
        #expect(right[2] > 180 && right[0] < 70, "right half blue: \(right)")
    }

    @Test func badTextureMapsNameTheFileTheKeyAndTheMap() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTetrahedron(in: dir, edge: "1")
        let yaml = "objects:\n  - {name: t, asset: mesh, file: t.obj, mass: 0.1, position: [0.5, 0]}\n"
        try "newmtl a\nmap_Kd missing.png\n".write(toFile: "\(dir)/m.mtl", atomically: true, encoding: .utf8)
        let missing = error(yaml, in: dir)
        #expect(
            missing.contains("inline.yaml") && missing.contains("objects[0].file") && missing.contains("texture map 'missing.png': no such file"),
            "\(missing)")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).write(to: URL(fileURLWithPath: "\(dir)/photo.jpg"))
        try "newmtl a\nmap_Kd photo.jpg\n".write(toFile: "\(dir)/m.mtl", atomically: true, encoding: .utf8)
        let jpeg = error(yaml, in: dir)
        #expect(jpeg.contains("objects[0].file") && jpeg.contains("texture map 'photo.jpg': JPEG: "), "\(jpeg)")
        // A JPEG cut off in its image data is refused, not drawn half-grey.
        try Self.redBlueJPEG.prefix(Self.redBlueJPEG.count - 6).write(to: URL(fileURLWithPath: "\(dir)/photo.jpg"))
        let cut = error(yaml, in: dir)
        #expect(cut.contains("texture map 'photo.jpg': JPEG: undecodable image data"), "\(cut)")
        try Data("\u{89}PNG\r\n\u{1A}\n broken".utf8).write(to: URL(fileURLWithPath: "\(dir)/broken.png"))
        try "newmtl a\nmap_Kd broken.png\n".write(toFile: "\(dir)/m.mtl", atomically: true, encoding: .utf8)
        let broken = error(yaml, in: dir)
        #expect(broken.contains("objects[0].file") && broken.contains("texture map 'broken.png': PNG byte"), "\(broken)")
        // A map outside the root is not opened.
        let inner = dir + "/inner"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        try writeTetrahedron(in: inner, edge: "1")
        try FileManager.default.copyItem(atPath: "\(Self.scenes)/assets/toy_die.png", toPath: "\(dir)/die.png")
        try "newmtl a\nmap_Kd ../die.png\n".write(toFile: "\(inner)/m.mtl", atomically: true, encoding: .utf8)
        #expect(error(yaml, in: inner).contains("texture map '../die.png' lies outside the allowed root"))
    }

    @Test func collisionAndDecompositionKeysAreChecked() throws {
        let dir = Self.scenes
        func object(_ extra: String) -> String {
            "objects:\n  - {name: n, asset: mesh, file: assets/toy_nut.obj, mass: 0.1, position: [0.5, 0]\(extra)}\n"
        }
        let s = try SceneLoader.parse(
            object(", collision: decomposition, decomposition: {concavity: 0.05, min_hulls: 2, max_hull_vertices: 16}"),
            file: "\(dir)/inline.yaml")
        guard case .mesh(let m) = s.objects[0].asset,
            case .mesh(let plain) = try SceneLoader.parse(object(""), file: "\(dir)/inline.yaml").objects[0].asset
        else {
            Issue.record("expected mesh assets")
            return
        }
        #expect(m.collision == .decomposition(DecompositionParameters(concavity: 0.05, minHulls: 2, maxHullVertices: 16)))
        #expect(plain.collision == .hull, "one hull unless asked")
        #expect(error(object(", collision: vhacd"), in: dir).contains("objects[0].collision: expected 'hull'"))
        #expect(
            error(object(", collision: decomposition, decomposition: {concavity: 2}"), in: dir)
                .contains("objects[0].decomposition.concavity: expected 0.001 ... 0.5"))
        #expect(
            error(object(", collision: decomposition, decomposition: {min_hulls: 0}"), in: dir)
                .contains("objects[0].decomposition.min_hulls: expected 1 ... 64 hulls, got 0"))
        #expect(
            error(object(", collision: decomposition, decomposition: {max_hull_vertices: 4000}"), in: dir)
                .contains("objects[0].decomposition.max_hull_vertices"))
        #expect(
            error(object(", collision: decomposition, decomposition: {concavty: 0.1}"), in: dir)
                .contains("objects[0].decomposition"))
        #expect(error(object(", decomposition: {concavity: 0.1}"), in: dir).contains("need 'collision: decomposition'"))
    }
}
