import BenchtopCore
import BenchtopImage
internal import CAssimp
import Foundation

/// A material's diffuse texture map, a PNG or JPEG: a file next to the mesh (OBJ's map_Kd, a glTF's image URI) or
/// an image embedded in the file (a GLB's buffer view). Other image formats are refused with a message.
enum MeshTexture {
    /// Texture maps larger than this on a side are refused (64 MiB of RGBA8).
    static let maxSide = 4096

    static func load(_ map: String, scene: UnsafePointer<aiScene>, meshFile: String, root: String, file: String) throws -> TextureImage {
        let bytes: Data
        let name: String
        if map.hasPrefix("*"), let index = UInt32(map.dropFirst()) {
            var pointer: UnsafePointer<UInt8>? = nil
            var count = 0
            var hint: UnsafePointer<CChar>? = nil
            guard benchtop_embedded_texture(scene, index, &pointer, &count, &hint) == 1, let pointer else {
                throw MeshError(file: file, reason: "embedded texture \(map) is not a compressed image file")
            }
            bytes = Data(bytes: pointer, count: count)
            name = "embedded texture \(map)"
        } else {
            // A path relative to the mesh file (MTL and glTF both say so), confined to the mesh's root.
            let relative = map.replacingOccurrences(of: "\\", with: "/")
            let candidate =
                relative.hasPrefix("/")
                ? relative : URL(fileURLWithPath: meshFile).deletingLastPathComponent().appendingPathComponent(relative).path
            guard let real = FileRoot.realPath(candidate) else {
                throw MeshError(file: file, reason: "texture map '\(map)': no such file (looked for \(candidate))")
            }
            guard real.hasPrefix(root + "/") else {
                throw MeshError(file: file, reason: "texture map '\(map)' lies outside the allowed root \(root)")
            }
            guard let data = FileManager.default.contents(atPath: real) else {
                throw MeshError(file: file, reason: "texture map '\(map)' cannot be read")
            }
            bytes = data
            name = map
        }
        return try decode(bytes, name: name, file: file)
    }

    /// PNG or JPEG bytes as RGBA8 (gray, gray+alpha and RGB widened; 16-bit samples narrowed).
    static func decode(_ bytes: Data, name: String, file: String) throws -> TextureImage {
        if JPEG.isJPEG(bytes) {
            do {
                let jpeg = try JPEG.decode(bytes, maxSide: maxSide)
                return TextureImage(name: name, width: jpeg.width, height: jpeg.height, rgba: jpeg.rgba)
            } catch let e as JPEG.FormatError {
                throw MeshError(file: file, reason: "texture map '\(name)': \(e.description)")
            }
        }
        let png: PNG.Decoded
        do {
            png = try PNG.decode(bytes)
        } catch let e as PNG.FormatError {
            throw MeshError(file: file, reason: "texture map '\(name)': \(e.description)")
        }
        guard png.width > 0, png.height > 0, png.width <= maxSide, png.height <= maxSide else {
            throw MeshError(file: file, reason: "texture map '\(name)' is \(png.width)x\(png.height); expected 1 ... \(maxSide) pixels a side")
        }
        let shift = UInt16(png.bitDepth == 16 ? 8 : 0)
        let c = png.channels
        var rgba = [UInt8](repeating: 255, count: png.width * png.height * 4)
        png.samples.withUnsafeBufferPointer { samples in
            for i in 0..<(png.width * png.height) {
                func sample(_ k: Int) -> UInt8 { UInt8(truncatingIfNeeded: samples[i * c + k] >> shift) }
                let gray = c < 3
                rgba[4 * i] = sample(0)
                rgba[4 * i + 1] = gray ? sample(0) : sample(1)
                rgba[4 * i + 2] = gray ? sample(0) : sample(2)
                if c == 2 || c == 4 { rgba[4 * i + 3] = sample(c - 1) }
            }
        }
        return TextureImage(name: name, width: png.width, height: png.height, rgba: rgba)
    }
}
