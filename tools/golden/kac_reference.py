#!/usr/bin/env python3
"""Golden values for the 1D Kac process (KAC.md §2-§3), computed independently with scipy.

Prints the continuous density p(t,x), the velocity v(t,x), the variance E K(t)^2 and the
quantiles of |K(t)| on the continuous part, for the parameter sets the Swift tests use.
Dev-time only: the Swift tests carry the printed numbers as literals.
Usage: python3 tools/golden/kac_reference.py
"""
import numpy as np
from scipy import integrate, optimize, special


def density(a, c, t, x):
    """Continuous part of the law of K(t) at |x| < ct."""
    r = np.sqrt(c * c * t * t - x * x)
    z = a / c * r
    # ive(n, z) = I_n(z) e^{-z}; multiply back by e^{z - a t} (z <= a t, no overflow).
    scale = a * np.exp(z - a * t) / (2 * c)
    i1_over_r = special.ive(1, z) / r if r > 0 else a / (2 * c) * np.exp(-z)
    return scale * (special.ive(0, z) + c * t * i1_over_r)


def velocity(a, c, t, x):
    r = np.sqrt(c * c * t * t - x * x)
    z = a / c * r
    return x / (t + r / c * special.ive(0, z) / special.ive(1, z))


def variance(a, c, t):
    return c * c / a * (t - (1 - np.exp(-2 * a * t)) / (2 * a))


def continuous_quantiles(a, c, t, levels=(0.25, 0.5, 0.75, 0.95)):
    mass = 1 - np.exp(-a * t)
    cdf = lambda y: 2 * integrate.quad(lambda x: density(a, c, t, x), 0, y, epsabs=1e-13)[0] / mass
    return [optimize.brentq(lambda y: cdf(y) - q, 0, c * t, xtol=1e-12) for q in levels]


if __name__ == "__main__":
    table = [(9, 3, 0.05, 0), (9, 3, 0.05, 0.075), (9, 3, 0.05, 0.14985), (9, 3, 0.3, 0.225),
             (9, 3, 0.3, 0.81), (9, 3, 1.0, 0), (9, 3, 1.0, 0.75), (9, 3, 1.0, 1.5),
             (9, 3, 1.0, 2.997), (25, 2, 0.3, 0.15), (25, 2, 1.0, 0), (25, 2, 1.0, 0.5),
             (25, 2, 1.0, 1.0), (25, 2, 1.0, 1.8)]
    for a, c, t, x in table:
        print(f"({a}, {c}, {t}, {x}, {density(a, c, t, x):.12g}, {velocity(a, c, t, x) if x else 0.0:.12g}),")
    for a, c, t in [(9, 3, 1.0), (9, 3, 0.3), (25, 2, 1.0)]:
        mass = integrate.quad(lambda x: density(a, c, t, x), -c * t, c * t, epsabs=1e-13)[0]
        print(f"a={a} c={c} t={t}: variance {variance(a, c, t):.12g}, continuous mass {mass:.12g} "
              f"(1-e^-at = {1 - np.exp(-a * t):.12g}), quantiles "
              + ", ".join(f"{q:.9g}" for q in continuous_quantiles(a, c, t)))
    for z in [0.0, 1e-3, 0.5, 3.0, 9.0, 29.9, 30.1, 50.0, 200.0]:
        print(f"({z}, {special.ive(0, z)!r}, {special.ive(1, z)!r}),  // z, e^-z I0, e^-z I1")
