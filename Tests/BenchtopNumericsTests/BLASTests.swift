import BenchtopNumerics
import Testing

@Suite struct BLASTests {
    @Test func sgemmMultipliesRowMajor() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2 x 3
        let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3 x 2
        var c = [Float](repeating: 0, count: 4)
        BLAS.sgemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test func choleskySolveRecoversSolution() {
        var a: [Double] = [4, 1, 1, 3]
        let x: [Double] = [1, -2]
        var b: [Double] = [4 * 1 + 1 * -2, 1 * 1 + 3 * -2]
        #expect(BLAS.solvePositiveDefinite(&a, &b, n: 2, nrhs: 1))
        #expect(abs(b[0] - x[0]) < 1e-12 && abs(b[1] - x[1]) < 1e-12)
        var singular: [Double] = [1, 2, 2, 1]
        var rhs: [Double] = [1, 1]
        #expect(!BLAS.solvePositiveDefinite(&singular, &rhs, n: 2, nrhs: 1))
    }
}
