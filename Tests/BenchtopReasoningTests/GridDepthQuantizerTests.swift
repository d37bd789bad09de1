import BenchtopCore
import BenchtopNumerics
import BenchtopReasoning
import Testing

@Suite struct GridDepthQuantizerTests {
    /// A table ramp with a box whose position and height vary with `k`, as metric depth.
    func tabletop(_ k: Int) -> DepthImage {
        let w = 96
        let h = 80
        var values = [Float](repeating: 0, count: w * h)
        let bx = 10 + (k * 13) % 60
        let by = 20 + (k * 7) % 40
        let lift = 0.1 + Float(k % 5) * 0.08
        for y in 0..<h {
            for x in 0..<w {
                var d = 2.0 - 1.2 * Float(y) / Float(h - 1)
                if x >= bx && x < bx + 18 && y >= by && y < by + 14 { d -= lift }
                values[y * w + x] = d
            }
        }
        return DepthImage(width: w, height: h, values: values)
    }

    func inputs(_ range: Range<Int>) -> [FeatureMap] { range.map { DepthNormalization.modelInput(tabletop($0), size: 320) } }

    @Test func trainingIsReproducibleFromTheSeed() {
        let data = inputs(0..<6)
        let a = GridDepthQuantizer.train(inputs: data, seed: 5, iterations: 8)
        let b = GridDepthQuantizer.train(inputs: data, seed: 5, iterations: 8)
        let c = GridDepthQuantizer.train(inputs: data, seed: 6, iterations: 8)
        #expect(a.codebook.map(\.bitPattern) == b.codebook.map(\.bitPattern))
        #expect(a.codebook != c.codebook)
        #expect(a.encoded() == b.encoded())
    }

    @Test func decodeThenEncodeIsStable() throws {
        let model = try GridDepthQuantizer.builtIn()
        let tokens = try model.encode(modelInput: inputs(3..<4)[0])
        let decoded = try model.decode(tokens)
        #expect(decoded.width == 320 && decoded.height == 320)
        let again = try model.encode(modelInput: decoded)
        #expect(try model.decode(again) == decoded)
    }

    @Test func builtInReconstructsLayoutFarBetterThanAFlatImage() throws {
        let model = try GridDepthQuantizer.builtIn()
        #expect(model.codebook.allSatisfy { $0.isFinite && abs($0) <= 1 })
        for input in inputs(10..<14) {
            let decoded = try model.decode(model.encode(modelInput: input))
            let mean = input.values.reduce(0, +) / Float(input.values.count)
            var err: Float = 0
            var flat: Float = 0
            for i in input.values.indices {
                err += (decoded.values[i] - input.values[i]) * (decoded.values[i] - input.values[i])
                flat += (mean - input.values[i]) * (mean - input.values[i])
            }
            #expect(err < 0.05 * flat)
        }
    }

    @Test func loadingRejectsAWrongShape() {
        let data = SafetensorsFile.encode(["codebook": (shape: [4, 64], values: [Float](repeating: 0, count: 256))])
        #expect(throws: TensorFileError.self) {
            _ = GridDepthQuantizer(codebook: try SafetensorsFile(data: data, name: "tiny").floats("codebook", shape: [128, 64]))
        }
    }
}
