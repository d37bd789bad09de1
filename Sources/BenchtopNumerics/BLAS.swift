internal import COpenBLAS

/// Dense linear algebra on OpenBLAS/LAPACKE: the only Swift module that imports them.
/// Matrices are row-major, stored in flat arrays.
public enum BLAS {
    /// Limits OpenBLAS to `count` threads (one next to physics and rendering on small machines).
    public static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// C = alpha * op(A) * op(B) + beta * C in single precision; A is m x k, B is k x n, C is m x n (after op).
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y = alpha * A * x + beta * y in single precision; A is m x n, row-major (a dense layer for one input).
    public static func sgemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// C = alpha * op(A) * op(B) + beta * C in double precision (row-major).
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Solves A X = B for a symmetric positive definite n x n A (Cholesky, LAPACKE dposv); B is n x nrhs,
    /// overwritten with X. Returns false when A is not positive definite.
    public static func solvePositiveDefinite(_ a: inout [Double], _ b: inout [Double], n: Int, nrhs: Int) -> Bool {
        precondition(a.count == n * n && b.count == n * nrhs)
        let info = a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dposv(
                    LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), Int32(nrhs), ap.baseAddress, Int32(n),
                    bp.baseAddress, Int32(nrhs))
            }
        }
        return info == 0
    }
}
