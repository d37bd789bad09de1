import Foundation

/// Cross product of two 3-vectors.
@inlinable public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Dot product of two 3-vectors.
@inlinable public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// Euclidean length of a 3-vector.
@inlinable public func length(_ a: SIMD3<Double>) -> Double { (a * a).sum().squareRoot() }

extension Double {
    @inlinable var sin: Double { Foundation.sin(self) }
    @inlinable var cos: Double { Foundation.cos(self) }
}

@inlinable func atan2Safe(_ y: Double, _ x: Double) -> Double { Foundation.atan2(y, x) }
@inlinable func asinClamped(_ v: Double) -> Double { Foundation.asin(Swift.max(-1, Swift.min(1, v))) }
@inlinable func acosClamped(_ v: Double) -> Double { Foundation.acos(Swift.max(-1, Swift.min(1, v))) }
