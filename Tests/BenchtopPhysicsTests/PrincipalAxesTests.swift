import BenchtopCore
import Testing

@testable import BenchtopPhysics

@Suite struct PrincipalAxesTests {
    /// The diagonalisation the articulation compiler relies on: R diag(m) R^T must give back the tensor.
    @Test func reconstructsATensorWithOffDiagonals() {
        let i = Inertial(mass: 2.6, ixx: 0.034530, iyy: 0.028882, izz: 0.041255, ixy: 0.013226, ixz: 0.010151, iyz: -9.76e-4)
        let (m, q) = principalAxes(i)
        let r = q.matrix
        let full = [[i.ixx, i.ixy, i.ixz], [i.ixy, i.iyy, i.iyz], [i.ixz, i.iyz, i.izz]]
        for a in 0..<3 {
            for b in 0..<3 {
                let v = (0..<3).reduce(0.0) { $0 + r[a * 3 + $1] * m[$1] * r[b * 3 + $1] }
                #expect(abs(v - full[a][b]) < 1e-12)
            }
        }
    }
}
