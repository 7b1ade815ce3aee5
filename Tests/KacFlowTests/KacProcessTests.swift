// The 1D Kac process against KAC.md §2–§3: golden density/velocity table, Bessel functions,
// exact-law Monte Carlo checks (atom mass, variance, quantiles) and the speed bound |v| ≤ c.
import Foundation
import KacFlow
import TensorCore
import Testing

@Suite struct KacProcessTests {
    /// KAC.md's reference table (also printed by tools/golden/kac_reference.py from scipy).
    static let referenceTable: [(a: Double, c: Double, t: Double, x: Double, density: Double, velocity: Double)] = [
        (9, 3, 0.05, 0, 1.226171281, 0),
        (9, 3, 0.05, 0.075, 1.212414173, 0.2713316156),
        (9, 3, 0.05, 0.14985, 1.171749412, 0.5504466515),
        (9, 3, 0.3, 0.225, 0.6527880058, 0.3338772958),
        (9, 3, 0.3, 0.81, 0.2999097841, 1.449916838),
        (9, 3, 1.0, 0, 0.3932767628, 0),
        (9, 3, 1.0, 0.75, 0.3049502186, 0.3695970793),
        (9, 3, 1.0, 1.5, 0.1356936055, 0.77810287),
        (9, 3, 1.0, 2.997, 0.001042674732, 2.443160185),
        (25, 2, 0.3, 0.15, 1.455165995, 0.244740552),
        (25, 2, 1.0, 0, 0.9923305429, 0),
        (25, 2, 1.0, 0.5, 0.4632486467, 0.2513961776),
        (25, 2, 1.0, 1.0, 0.04026474349, 0.5300112692),
        (25, 2, 1.0, 1.8, 1.827660503e-06, 1.235066862),
    ]
    /// The table has 10 significant digits; Double evaluation is far better, so 1e-6 is slack.
    static let tableTolerance = 1e-6
    /// scipy.special.ive at full precision; the series/asymptotic code is good to ~1e-14.
    static let besselTolerance = 1e-13
    /// Monte Carlo checks pass at 5 standard errors (false alarm rate ~6e-7 per check).
    static let sigmas = 5.0

    @Test(arguments: referenceTable.indices)
    func matchesReferenceTable(row: Int) {
        let r = Self.referenceTable[row]
        let process = KacProcess(dampingRate: r.a, speed: r.c)
        let density = process.continuousDensity(time: r.t, position: r.x)
        #expect(abs(density - r.density) <= Self.tableTolerance * r.density, "density row \(row): \(density)")
        let velocity = process.velocity(time: r.t, position: r.x)
        #expect(abs(velocity - r.velocity) <= Self.tableTolerance * max(abs(r.velocity), 1e-9), "velocity row \(row): \(velocity)")
        // v is odd in x and p even.
        #expect(process.velocity(time: r.t, position: -r.x) == -velocity)
        #expect(process.continuousDensity(time: r.t, position: -r.x) == density)
    }

    @Test func besselMatchesScipy() {
        let golden: [(z: Double, i0: Double, i1: Double)] = [
            (0.0, 1.0, 0.0), (0.001, 0.9990007495835156, 0.0004995003123542212),
            (0.5, 0.6450352704491501, 0.15642080318487167), (3.0, 0.24300035416182544, 0.19682671329730086),
            (9.0, 0.13495952458172303, 0.1272249839358912), (29.9, 0.0732692190460019, 0.07203337491186879),
            (30.1, 0.07302329413106096, 0.07179985435101434), (50.0, 0.0565616266474542, 0.0559931238928954),
            (200.0, 0.02822715994911192, 0.02815650339483292),
        ]
        for g in golden {
            #expect(abs(Bessel.i0Scaled(g.z) - g.i0) <= Self.besselTolerance * g.i0, "I0 at \(g.z)")
            #expect(abs(Bessel.i1Scaled(g.z) - g.i1) <= Self.besselTolerance * max(g.i1, 1e-300), "I1 at \(g.z)")
            if g.z > 0 {
                let ratio = g.z * g.i0 / g.i1
                #expect(abs(Bessel.zTimesI0OverI1(g.z) - ratio) <= Self.besselTolerance * ratio, "zI0/I1 at \(g.z)")
                #expect(abs(Bessel.i1OverZScaled(g.z) - g.i1 / g.z) <= Self.besselTolerance * g.i1 / g.z)
            }
        }
        #expect(Bessel.zTimesI0OverI1(0) == 2)
        #expect(Bessel.i1OverZScaled(0) == 0.5)
    }

    /// Simpson's rule over the cone: the continuous part has mass 1 − e^{−at} and, with the atoms,
    /// second moment (c²/a)[t − (1 − e^{−2at})/2a]. The integrand is smooth up to the cone.
    @Test(arguments: [(9.0, 3.0, 1.0), (9.0, 3.0, 0.3), (25.0, 2.0, 1.0), (9.0, 3.0, 0.01)])
    func densityMassAndVarianceByQuadrature(a: Double, c: Double, t: Double) {
        let process = KacProcess(dampingRate: a, speed: c)
        let intervals = 20_000
        let width = 2 * c * t / Double(intervals)
        var mass = 0.0, moment = 0.0
        for i in 0...intervals {
            let x = min(c * t, -c * t + Double(i) * width)  // round-off must not step outside the cone
            let weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            let p = process.continuousDensity(time: t, position: x)
            mass += weight * p
            moment += weight * p * x * x
        }
        mass *= width / 3
        moment *= width / 3
        let atoms = process.atomMass(time: t)
        // Simpson on a smooth integrand with 20k intervals: error far below 1e-9.
        let quadratureTolerance = 1e-9
        #expect(abs(mass - (1 - atoms)) < quadratureTolerance)
        #expect(abs(moment + atoms * c * c * t * t - process.variance(time: t)) < quadratureTolerance)
        #expect(process.continuousDensity(time: t, position: c * t * 1.01) == 0)
    }

    @Test func varianceFormulaReferenceValue() {
        // KAC.md: 0.94444 at t = 1 for a = 9, c = 3 (0.944444445291 from the golden script).
        #expect(abs(KacProcess(dampingRate: 9, speed: 3).variance(time: 1) - 0.944444445291) < 1e-11)
    }

    @Test(arguments: [(9.0, 3.0, 1.0), (9.0, 3.0, 0.3), (25.0, 2.0, 0.1)])
    func samplerAtomMassAndVariance(a: Double, c: Double, t: Double) {
        let process = KacProcess(dampingRate: a, speed: c)
        var random = RandomSource(seed: 11)
        let n = 100_000
        var atoms = 0, sum = 0.0, sumSquares = 0.0, sumFourth = 0.0
        for _ in 0..<n {
            let draw = process.sample(time: t, random: &random)
            let k = draw.displacement
            #expect(abs(k) <= c * t * (1 + 1e-12))
            if draw.isAtom {
                atoms += 1
                #expect(abs(abs(k) - c * t) < 1e-12)
                #expect(process.velocity(time: t, of: draw) == draw.initialDirection * c)
            }
            sum += k; sumSquares += k * k; sumFourth += k * k * k * k
        }
        let p = process.atomMass(time: t)
        let atomError = Self.sigmas * (p * (1 - p) / Double(n)).squareRoot()
        #expect(abs(Double(atoms) / Double(n) - p) < atomError, "atom fraction \(Double(atoms) / Double(n)) vs \(p)")
        let second = sumSquares / Double(n)
        let secondError = Self.sigmas * ((sumFourth / Double(n) - second * second) / Double(n)).squareRoot()
        #expect(abs(second - process.variance(time: t)) < secondError, "E K² \(second) vs \(process.variance(time: t))")
        #expect(abs(sum / Double(n)) < Self.sigmas * (second / Double(n)).squareRoot())
    }

    /// Quantiles (25/50/75/95 %) of |K(t)| on the continuous part, from KAC.md. The standard
    /// error of an empirical q-quantile is √(q(1−q)/n) / f(x_q), f the density of |K| given
    /// "continuous" = 2p(t, x)/(1 − e^{−at}) (p itself is checked above).
    @Test(arguments: [
        (9.0, 3.0, 1.0, [0.32274, 0.679845, 1.14541, 1.879947]),
        (9.0, 3.0, 0.3, [0.170506, 0.353359, 0.570209, 0.812733]),
        (25.0, 2.0, 1.0, [0.128036, 0.270548, 0.459416, 0.772751]),
    ])
    func continuousQuantiles(a: Double, c: Double, t: Double, expected: [Double]) {
        let process = KacProcess(dampingRate: a, speed: c)
        var random = RandomSource(seed: 5)
        var magnitudes: [Double] = []
        while magnitudes.count < 100_000 {
            let draw = process.sample(time: t, random: &random)
            if !draw.isAtom { magnitudes.append(abs(draw.displacement)) }
        }
        magnitudes.sort()
        let n = Double(magnitudes.count)
        for (q, reference) in zip([0.25, 0.5, 0.75, 0.95], expected) {
            let empirical = magnitudes[Int(q * n)]
            let density = 2 * process.continuousDensity(time: t, position: reference) / (1 - process.atomMass(time: t))
            let tolerance = Self.sigmas * (q * (1 - q) / n).squareRoot() / density
            #expect(abs(empirical - reference) < tolerance, "q\(q): \(empirical) vs \(reference) ± \(tolerance)")
        }
    }

    @Test func speedIsBoundedEverywhere() {
        for (a, c) in [(9.0, 3.0), (25.0, 2.0), (0.5, 1.0)] {
            let process = KacProcess(dampingRate: a, speed: c)
            #expect(process.velocity(time: 0, position: 0.3) == 0)
            for t in [1e-9, 1e-4, 0.01, 0.05, 0.3, 1, 5] {
                let cone = c * t
                var positions = (-400...400).map { Double($0) / 200 * cone }  // [−2ct, 2ct]
                positions += [cone, -cone, cone * (1 - 1e-4), cone * (1 - 2e-4), cone * (1 + 1e-12), 1e6]
                for x in positions {
                    let v = process.velocity(time: t, position: x)
                    #expect(v.isFinite && abs(v) <= c, "a \(a) t \(t) x \(x): v \(v)")
                    let inner = process.interiorVelocity(time: t, position: x)
                    #expect(inner.isFinite && abs(inner) <= c)
                }
                // Near the cone the interior formula tends to c·at/(at + 2).
                let edge = process.interiorVelocity(time: t, position: cone)
                #expect(abs(edge - c * a * t / (a * t + 2)) <= 1e-12 * c)
                #expect(process.velocity(time: t, position: 1.5 * cone) == c)
            }
        }
    }
}
