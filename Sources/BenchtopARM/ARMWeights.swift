import BenchtopNumerics
import BenchtopReasoning
import Foundation

/// An error loading Benchtop ARM weights: names the file, the tensor or metadata key, and what was expected.
public struct ARMError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the weights were trained for, from the safetensors metadata (format `benchtop-arm-v1`).
public struct ARMMetadata: Sendable, Equatable {
    public var format: String
    /// Known words; word k of the list has embedding row k + 1 (row 0 is unused).
    public var vocabulary: [String]
    /// Actions per chunk.
    public var chunk: Int
    public var embodiment: String
    public var mode: String
    /// Side of the square images the encoders see.
    public var imageSize: Int
    /// Provenance: seed, command, data (empty when absent).
    public var provenance: [String: String]

    public static let expectedFormat = "benchtop-arm-v1"

    init(_ metadata: [String: String], file: String) throws {
        func value(_ key: String) throws -> String {
            guard let v = metadata[key] else {
                throw ARMError(
                    "\(file): metadata key '\(key)' is missing; Benchtop ARM weights carry format, vocabulary, chunk, embodiment, mode and image_size"
                )
            }
            return v
        }
        format = try value("format")
        guard format == Self.expectedFormat else {
            throw ARMError("\(file): metadata 'format' is '\(format.prefix(40))'; expected '\(Self.expectedFormat)'")
        }
        let vocabularyText = try value("vocabulary")
        guard let words = (try? JSONSerialization.jsonObject(with: Data(vocabularyText.utf8))) as? [Any],
            let strings = Optional(words.compactMap { $0 as? String }), strings.count == words.count
        else {
            throw ARMError("\(file): metadata 'vocabulary' must be a JSON array of strings, got '\(vocabularyText.prefix(40))...'")
        }
        vocabulary = strings
        let chunkText = try value("chunk")
        guard let c = Int(chunkText), c > 0 else {
            throw ARMError("\(file): metadata 'chunk' is '\(chunkText.prefix(20))'; expected a positive integer")
        }
        chunk = c
        embodiment = try value("embodiment")
        mode = try value("mode")
        let sizeText = try value("image_size")
        guard let s = Int(sizeText), s == 128 else {
            throw ARMError("\(file): metadata 'image_size' is '\(sizeText.prefix(20))'; this version of the model takes 128")
        }
        imageSize = s
        provenance = metadata.filter { ["seed", "command", "data"].contains($0.key) }
    }
}

/// The convolutional image encoder (one per camera): four convolutions, spatial-softmax keypoints and a mean.
struct ARMImageEncoder: Sendable {
    let conv1, conv2, conv3, conv4: Convolution2D
    /// The 1x1 keypoint convolution (64 -> 32), no ReLU.
    let keypoints: Convolution2D

    static let featureMapChannels = 64
    static let keypointCount = 32
    static let featureCount = 2 * keypointCount + featureMapChannels
}

/// Loads named tensors with shape checks; every error names the file and the tensor.
struct ARMTensorReader {
    let file: SafetensorsFile

    func tensor(_ key: String, _ shape: [Int]) throws -> [Float] {
        let entry: SafetensorsFile.Entry
        do { entry = try file.entry(key, shape: shape) } catch let e as TensorFileError { throw ARMError(e.description) }
        guard entry.dtype == .f32 else {
            throw ARMError("\(file.name): tensor '\(key)': dtype \(entry.dtype.rawValue); expected F32")
        }
        do { return try file.floats(key, shape: shape) } catch let e as TensorFileError { throw ARMError(e.description) }
    }

    func convolution(_ prefix: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int) throws -> Convolution2D {
        Convolution2D(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
            weight: try tensor("\(prefix).weight", [outChannels, inChannels, kernel, kernel]),
            bias: try tensor("\(prefix).bias", [outChannels]))
    }

    func dense(_ prefix: String, inputs: Int, outputs: Int) throws -> DenseLayer {
        DenseLayer(
            inputs: inputs, outputs: outputs, weight: try tensor("\(prefix).weight", [outputs, inputs]),
            bias: try tensor("\(prefix).bias", [outputs]))
    }

    func encoder(_ prefix: String) throws -> ARMImageEncoder {
        ARMImageEncoder(
            conv1: try convolution("\(prefix)conv1", inChannels: 3, outChannels: 32, kernel: 5, stride: 2, padding: 2),
            conv2: try convolution("\(prefix)conv2", inChannels: 32, outChannels: 64, kernel: 3, stride: 2, padding: 1),
            conv3: try convolution("\(prefix)conv3", inChannels: 64, outChannels: 64, kernel: 3, stride: 2, padding: 1),
            conv4: try convolution("\(prefix)conv4", inChannels: 64, outChannels: 64, kernel: 3, stride: 1, padding: 1),
            keypoints: try convolution("\(prefix)keypoints", inChannels: 64, outChannels: 32, kernel: 1, stride: 1, padding: 0))
    }
}
