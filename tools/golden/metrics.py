#!/usr/bin/env python3
"""Golden values for Training/Metrics, from numpy/scipy on inputs both sides can generate.

Feature sets are closed-form (sines and cosines of the indices), rounded to float32 exactly as the
Swift tests store them, so no random generator has to match across languages. Prints:
  - eigenvalues of the 6x6 Hilbert matrix (numpy.linalg.eigvalsh);
  - the Frechet distance of two feature sets (scipy.linalg.sqrtm, the FID formula, np.cov);
  - the 1-D Wasserstein-2 distance of two samples (sorted matching), which sliced Wasserstein
    must reproduce exactly in one dimension.
Usage: python3 tools/golden/metrics.py
"""
import numpy as np
from scipy import linalg


def features(n, d, shift):
    i = np.arange(n)[:, None].astype(np.float64)
    j = np.arange(d)[None, :].astype(np.float64)
    values = np.sin(1.7 * i * (j + 1) + 0.3 * j + shift) * (1 + 0.1 * j) + 0.05 * shift * j
    return values.astype(np.float32).astype(np.float64)


def frechet(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root))


if __name__ == "__main__":
    hilbert = 1 / (np.arange(6)[:, None] + np.arange(6)[None, :] + 1)
    print("hilbert6 eigenvalues", [repr(v) for v in np.linalg.eigvalsh(hilbert)])
    a, b = features(300, 8, 0.0), features(250, 8, 1.0)
    print("frechet(features(300, 8, 0), features(250, 8, 1))", repr(frechet(a, b)))
    print("frechet(features(300, 8, 0), itself)", repr(frechet(a, a)))
    x, y = features(500, 1, 0.0)[:, 0], (features(500, 1, 2.0)[:, 0] * 1.5).astype(np.float32).astype(np.float64)
    print("w2(1-D features(500,1,0), 1.5 * features(500,1,2))", repr(float(np.sqrt(((np.sort(x) - np.sort(y)) ** 2).mean()))))
