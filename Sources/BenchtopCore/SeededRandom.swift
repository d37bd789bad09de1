import Foundation

/// The one source of randomness in Benchtop: a seeded xoshiro256** generator.
///
/// Every randomised choice (scene layout, noise, perturbations) draws from an instance seeded from the
/// user's seed, so the same seed gives the same bits on every machine. Child streams (`fork`) keep
/// independent consumers from shifting each other's draws.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// An independent stream for a named consumer, derived from this generator's current state.
    public func fork(_ label: String) -> SeededRandom {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the label, mixed with our state
        for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return SeededRandom(seed: h ^ s.0 ^ rotl(s.2, 13))
    }

    /// A uniform double in [lower, upper); exact same bits on every platform (53-bit mantissa).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        let unit = Double(next() >> 11) * 0x1.0p-53
        return lower + (upper - lower) * unit
    }

    /// A standard normal draw (Box-Muller; deterministic given the stream).
    public mutating func gaussian(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        var u1 = uniform(0, 1)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = uniform(0, 1)
        return mean + standardDeviation * (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
