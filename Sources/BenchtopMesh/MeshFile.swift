import BenchtopCore
import BenchtopImage
internal import CAssimp
import Foundation

/// A mesh file that could not be read.
public struct MeshError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}

/// One material's triangles of a mesh file, and that material's colour and diffuse texture map.
public struct MeshPart: Sendable, Hashable {
    public var mesh: TriangleMesh
    public var color: Color?
    /// The material's diffuse map (PNG), when it has one and the mesh has texture coordinates.
    public var texture: TextureImage?
}

/// Reads triangle meshes (OBJ with its MTL colours and PNG texture maps, STL, glTF/GLB, PLY, DAE and the other formats Assimp reads)
/// through Debian's Assimp. The one Swift module that imports CAssimp: robot links and scene objects both load
/// their meshes here.
public enum MeshFile {
    /// The file extensions Assimp is asked to read.
    public static let extensions: Set<String> = ["obj", "stl", "gltf", "glb", "ply", "dae", "off", "3ds", "fbx"]

    /// Loads `path`, opening nothing (the file itself, an MTL or a glTF buffer) outside `root`. Node transforms are
    /// applied; units are the file's (scale them in the scene). Parts come in file order, one per mesh of the file.
    public static func load(path: String, root: String) throws -> [MeshPart] {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard extensions.contains(ext) else {
            throw MeshError(file: path, reason: "unsupported mesh format '.\(ext)'; expected one of: \(extensions.sorted().joined(separator: ", "))")
        }
        guard let realRoot = FileRoot.realPath(root) else { throw MeshError(file: path, reason: "the root directory \(root) does not exist") }
        guard let realFile = FileRoot.realPath(path) else { throw MeshError(file: path, reason: "no such file") }
        guard realFile.hasPrefix(realRoot + "/") else {
            throw MeshError(file: path, reason: "lies outside the allowed root \(realRoot)")
        }
        guard let scene = benchtop_import(realFile, realRoot, benchtop_import_flags()) else {
            let why = String(cString: aiGetErrorString())
            throw MeshError(file: path, reason: "not a readable mesh (\(why.isEmpty ? "Assimp gave no reason" : why))")
        }
        defer { aiReleaseImport(scene) }
        var parts: [MeshPart] = []
        let s = scene.pointee
        let madeUpMaterials = ext == "obj" && objMaterialLibrariesMissing(realFile, root: realRoot)
        for m in 0..<Int(s.mNumMeshes) {
            guard let mesh = s.mMeshes[m]?.pointee, mesh.mPrimitiveTypes & UInt32(aiPrimitiveType_TRIANGLE.rawValue) != 0 else { continue }
            var positions: [SIMD3<Double>] = []
            var normals: [SIMD3<Double>] = []
            var uvs: [SIMD2<Double>] = []
            positions.reserveCapacity(Int(mesh.mNumVertices))
            for v in 0..<Int(mesh.mNumVertices) {
                let p = mesh.mVertices[v]
                positions.append(SIMD3(Double(p.x), Double(p.y), Double(p.z)))
                if let n = mesh.mNormals?[v] { normals.append(SIMD3(Double(n.x), Double(n.y), Double(n.z))) }
                if let t = mesh.mTextureCoords.0?[v] { uvs.append(SIMD2(Double(t.x), Double(t.y))) }
            }
            if normals.count != positions.count { normals = [SIMD3<Double>](repeating: SIMD3(0, 0, 1), count: positions.count) }
            var indices: [UInt32] = []
            indices.reserveCapacity(Int(mesh.mNumFaces) * 3)
            for f in 0..<Int(mesh.mNumFaces) {
                let face = mesh.mFaces[f]
                guard face.mNumIndices == 3 else { continue }
                indices += [face.mIndices[0], face.mIndices[1], face.mIndices[2]]
            }
            guard !indices.isEmpty else { continue }
            var color: Color? = nil
            var texture: TextureImage? = nil
            if Int(mesh.mMaterialIndex) < Int(s.mNumMaterials), let material = s.mMaterials[Int(mesh.mMaterialIndex)] {
                var rgba: [Float] = [0, 0, 0, 0]
                if !madeUpMaterials, benchtop_material_is_default(material) == 0, benchtop_material_color(material, &rgba) == 1 {
                    color = Color(Double(min(max(rgba[0], 0), 1)), Double(min(max(rgba[1], 0), 1)), Double(min(max(rgba[2], 0), 1)))
                }
                var name = [CChar](repeating: 0, count: 4096)
                if benchtop_material_texture(material, &name, name.count) == 1 {
                    let map = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    texture = try MeshTexture.load(map, scene: scene, meshFile: realFile, root: realRoot, file: path)
                    if uvs.count != positions.count {
                        throw MeshError(file: path, reason: "material texture '\(map)' but mesh \(m) has no texture coordinates")
                    }
                }
            }
            if texture == nil { uvs = [] }
            parts.append(
                MeshPart(mesh: TriangleMesh(positions: positions, normals: normals, indices: indices, uvs: uvs), color: color, texture: texture))
        }
        guard !parts.isEmpty else { throw MeshError(file: path, reason: "the file holds no triangles") }
        return parts
    }

    /// Whether an OBJ names MTL files (`mtllib`) of which none can be read under `root`: Assimp then makes up grey
    /// materials for its `usemtl` names (pybullet_data's lego.obj), which are no colours of the file's.
    static func objMaterialLibrariesMissing(_ file: String, root: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: file) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 1 << 20)) ?? Data(), as: UTF8.self)
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        let libraries = head.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2, words[0] == "mtllib" else { return nil }
            return words[1].trimmingCharacters(in: .whitespaces)
        }
        guard !libraries.isEmpty else { return false }
        return libraries.allSatisfy { name in
            guard let real = FileRoot.realPath(directory.appendingPathComponent(name).path) else { return true }
            return !real.hasPrefix(root + "/")
        }
    }
}

/// Mesh files read once per process: robot links share files (both Panda fingers use finger.obj), and every
/// registration of a plugin reads the same meshes.
public final class MeshCache: @unchecked Sendable {
    public static let shared = MeshCache()
    private let lock = NSLock()
    private var entries: [String: [MeshPart]] = [:]

    /// `MeshFile.load(path:root:)`, remembered by path and root.
    public func parts(path: String, root: String) throws -> [MeshPart] {
        let key = root + "\u{0}" + path
        lock.lock()
        let hit = entries[key]
        lock.unlock()
        if let hit { return hit }
        let parts = try MeshFile.load(path: path, root: root)
        lock.lock()
        entries[key] = parts
        lock.unlock()
        return parts
    }
}
