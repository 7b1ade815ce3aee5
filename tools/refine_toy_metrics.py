#!/usr/bin/env python3
"""Toy-study metrics for docs/one-step-refinement.md: reads the samples `kac eval --save-samples`
wrote for the paired-gaussians data (8 Gaussian components, std 0.05, on the circle of radius 0.7;
class = component mod 4) and prints, per file, against a reference file (the teacher at 100 steps):
energy distance, per-component mass (largest deviation from the reference's, in percentage points),
off-mode fraction (farther than 3 std = 0.15 from every component centre) and the fraction of each
class's samples on the wrong components (neither of its two).

usage: refine_toy_metrics.py REFERENCE.safetensors FILE.safetensors...   (numpy only)
"""
import sys

import numpy as np

from kac_safetensors import read_f32

RADIUS, STD = 0.7, 0.05
CENTRES = np.array([[RADIUS * np.cos(2 * np.pi * k / 8), RADIUS * np.sin(2 * np.pi * k / 8)] for k in range(8)])
SUBSAMPLE = 4000  # energy distance on this many points of each set (pairwise distances: 16 M)


def read(path):
    tensors, metadata = read_f32(path)
    return tensors["samples"].astype(np.float64), tensors["labels"].astype(int), metadata


def energy_distance(x, y, rng):
    x = x[rng.choice(len(x), min(SUBSAMPLE, len(x)), replace=False)]
    y = y[rng.choice(len(y), min(SUBSAMPLE, len(y)), replace=False)]

    def mean_distance(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean()

    return 2 * mean_distance(x, y) - mean_distance(x, x) - mean_distance(y, y)


def modes(samples, labels):
    distances = np.sqrt(((samples[:, None, :] - CENTRES[None, :, :]) ** 2).sum(-1))
    nearest = distances.argmin(1)
    on_mode = distances.min(1) <= 3 * STD
    mass = np.array([(on_mode & (nearest == k)).mean() for k in range(8)])
    wrong = (on_mode & (nearest % 4 != labels)).sum() / max(on_mode.sum(), 1)
    return mass, 1 - on_mode.mean(), wrong


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    reference, reference_labels, _ = read(sys.argv[1])
    reference_mass, reference_off, _ = modes(reference, reference_labels)
    print(f"reference {sys.argv[1]}: off-mode {100 * reference_off:.2f}%, component mass "
          + " ".join(f"{100 * m:.1f}" for m in reference_mass))
    print(f"{'file':60s} {'energy':>9s} {'max|Δmass|pp':>12s} {'off-mode%':>9s} {'wrong-class%':>12s}")
    for path in sys.argv[2:]:
        samples, labels, _ = read(path)
        rng = np.random.default_rng(0)
        energy = energy_distance(samples, reference, rng)
        mass, off, wrong = modes(samples, labels)
        print(f"{path.split('/')[-1][:60]:60s} {energy:9.5f} {100 * np.abs(mass - reference_mass).max():12.2f} "
              f"{100 * off:9.2f} {100 * wrong:12.2f}")


if __name__ == "__main__":
    main()
