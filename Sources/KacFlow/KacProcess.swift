// The 1D Kac (telegraph) process of KAC.md §2–§3: a particle moving at speed `c` whose direction
// flips at the events of a Poisson process of rate `a`. Exact sampling of the displacement K(t),
// its law (atoms ±ct of mass e^{−at}/2 each, continuous density inside the light cone) and the
// velocity field v(t,x) = E[V(t) | K(t) = x] that transports that law. All arithmetic in Double.
// Invariant: |v(t,x)| ≤ c for every t ≥ 0 and every x, inside, on and beyond the light cone.
import Foundation
import TensorCore

/// One draw of the displacement K(t).
public struct KacSample: Sendable, Equatable {
    /// K(t).
    public var displacement: Double
    /// True when no switch happened before t: the draw sits on the atom at ±ct, moving at ±c.
    public var isAtom: Bool
    /// The starting direction s = ±1 (the direction at time t when `isAtom`).
    public var initialDirection: Double

    public init(displacement: Double, isAtom: Bool, initialDirection: Double) {
        self.displacement = displacement
        self.isAtom = isAtom
        self.initialDirection = initialDirection
    }
}

public struct KacProcess: Sendable, Equatable, Codable {
    /// Switching rate `a` of the Poisson clock (per unit time).
    public var dampingRate: Double
    /// Propagation speed `c`.
    public var speed: Double

    /// Positions within this fraction of the light cone, |x| ≥ ct·(1 − ε), count as the atom in
    /// `velocity(time:position:)`: there the interior formula is 0/0-prone and round-off decides.
    public static let lightConeTolerance = 1e-4

    public init(dampingRate: Double = 9, speed: Double = 3) {
        precondition(dampingRate > 0 && dampingRate.isFinite, "Kac dampingRate must be positive, got \(dampingRate)")
        precondition(speed > 0 && speed.isFinite, "Kac speed must be positive, got \(speed)")
        self.dampingRate = dampingRate
        self.speed = speed
    }

    /// Exact draw of K(t): exponential gaps of rate a between direction switches, clipped at t
    /// (equivalent to n ~ Poisson(at) sorted uniform switch times). Costs ~(at + 1) logarithms.
    @inline(__always)
    public func sample(time t: Double, random: inout RandomSource) -> KacSample {
        let direction: Double = random.next() & 1 == 0 ? 1 : -1
        var elapsed = random.exponential(rate: dampingRate)
        if elapsed >= t {
            return KacSample(displacement: direction * speed * t, isAtom: true, initialDirection: direction)
        }
        var position = direction * speed * elapsed
        var heading = -direction
        while true {
            let gap = random.exponential(rate: dampingRate)
            if elapsed + gap >= t {
                position += heading * speed * (t - elapsed)
                break
            }
            position += heading * speed * gap
            elapsed += gap
            heading = -heading
        }
        return KacSample(displacement: position, isAtom: false, initialDirection: direction)
    }

    /// Mass of each of the two atoms at ±ct is half of this: the probability of no switch by t.
    public func atomMass(time t: Double) -> Double { exp(-dampingRate * t) }

    /// E K(t)² = (c²/a)·[t − (1 − e^{−2at})/(2a)]; E K(t) = 0.
    public func variance(time t: Double) -> Double {
        let a = dampingRate, c = speed
        return c * c / a * (t + expm1(-2 * a * t) / (2 * a))
    }

    /// Density of the continuous part of the law of K(t) (mass 1 − e^{−at}):
    /// p = (a e^{−at} / 2c)·[I₀(z) + (ct/r)·I₁(z)], r = √(c²t² − x²), z = (a/c)·r, for |x| ≤ ct;
    /// 0 outside the cone. Written as (a/2c)·e^{z−at}·[e^{−z}I₀(z) + at·e^{−z}I₁(z)/z] so that
    /// nothing overflows (z ≤ at) and the light cone (r = 0, limit (a e^{−at}/2c)(1 + at/2)) is
    /// finite.
    public func continuousDensity(time t: Double, position x: Double) -> Double {
        let a = dampingRate, c = speed
        guard t > 0, abs(x) <= c * t else { return 0 }
        let z = a / c * max(0, (c * t - x) * (c * t + x)).squareRoot()
        return a / (2 * c) * exp(z - a * t) * (Bessel.i0Scaled(z) + a * t * Bessel.i1OverZScaled(z))
    }

    /// The Kac velocity v(t, x) for a position whose atom status is unknown (e.g. a sampler's
    /// state): t ≤ 0 gives 0 (all mass at the origin, both directions equally likely);
    /// |x| ≥ ct·(1 − ε) is treated as the atom, v = sign(x)·c (this includes positions beyond
    /// the cone, which the true law never produces but an integrator may); else the interior
    /// formula. The guard changes v by at most c·2/(at + 2) inside a band of width ε·ct.
    @inline(__always)
    public func velocity(time t: Double, position x: Double) -> Double {
        guard t > 0 else { return 0 }
        if abs(x) >= speed * t * (1 - Self.lightConeTolerance) { return x < 0 ? -speed : speed }
        return interiorVelocity(time: t, position: x)
    }

    /// Velocity of a draw from `sample(time:random:)`: ±c on the atom, the interior formula
    /// otherwise. Uses the sampler's flag instead of re-deriving the atom from the position.
    @inline(__always)
    public func velocity(time t: Double, of draw: KacSample) -> Double {
        guard t > 0 else { return 0 }
        if draw.isAtom { return draw.initialDirection * speed }
        return interiorVelocity(time: t, position: draw.displacement)
    }

    /// v = x / (t + (r/c)·I₀(z)/I₁(z)) = x / (t + [z·I₀(z)/I₁(z)] / a), valid for |x| ≤ ct
    /// (x is clamped to the cone for round-off just outside). At the cone zI₀/I₁ = 2, so
    /// v = ±c·at/(at + 2): strictly below c, and the formula has no 0/0 anywhere.
    @inline(__always)
    public func interiorVelocity(time t: Double, position: Double) -> Double {
        let a = dampingRate, c = speed
        let x = min(c * t, max(-c * t, position))
        let z = a / c * max(0, (c * t - x) * (c * t + x)).squareRoot()
        return x / (t + Bessel.zTimesI0OverI1(z) / a)
    }
}
