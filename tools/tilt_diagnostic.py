#!/usr/bin/env python3
"""What the tilted reals look like to the evaluation classifiers (docs/one-step-refinement.md "Tilted reals").

Draws COUNT Fashion-MNIST training images (COUNT/10 per class) twice: uniformly, and with probability
proportional to p_c(y|x)^gamma within each class, p_c read from a run's RUN/real-tilt.safetensors (the
run's own cross-fitted classifiers). Writes both as `kac eval --save-samples` files into OUT, so that

    kac eval --score-samples OUT --classifier fashion-mnist/classifier@2
    kac eval --score-samples OUT --classifier fashion-mnist/classifier@1

give each set's class accuracy and FD. Both classifiers were trained on these training images, so
their accuracies here run above the test set's: read the difference between the two rows, not the level.
Dev-time tool: needs numpy. Not used by training.

    tools/tilt_diagnostic.py RUN/real-tilt.safetensors OUT [--gamma 0.5] [--count 1000] [--seed 7]
"""
import argparse
import gzip
import os

import numpy as np

from kac_safetensors import read_f32, write_f32

ROOT = "/usr/share/datasets/fashion-mnist"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tilt")
    parser.add_argument("out")
    parser.add_argument("--gamma", type=float, default=0.5)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with gzip.open(f"{ROOT}/train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28, 1)
    with gzip.open(f"{ROOT}/train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read()[8:], dtype=np.uint8).astype(int)
    tensors, _ = read_f32(args.tilt)
    p = tensors["probabilities"].astype(np.float64)
    assert p.shape == labels.shape, (p.shape, labels.shape)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    per_class = args.count // 10
    for name, gamma in (("uniform", 0.0), (f"tilt-{args.gamma}", args.gamma)):
        chosen = []
        for c in range(10):
            members = np.flatnonzero(labels == c)
            weights = np.maximum(p[members], 1e-12) ** gamma
            chosen.append(rng.choice(members, size=per_class, replace=True, p=weights / weights.sum()))
        chosen = np.concatenate(chosen)
        w = np.maximum(p, 1e-12) ** gamma
        ess = w.sum() ** 2 / (w * w).sum() / len(w)
        print(f"{name}: mean p_c(y|x) of the drawn images {p[chosen].mean():.4f} (all images {p.mean():.4f}); "
              f"effective sample size {100 * ess:.1f} %")
        write_f32(
            f"{args.out}/train-{name}-euler-0-s1.0-seed{args.seed}.safetensors",
            {"samples": images[chosen].astype(np.float32) / 127.5 - 1, "labels": labels[chosen].astype(np.float32)},
            {"model": f"training images, {name}", "integrator": "euler", "steps": "0", "guidance": "1.0",
             "seed": str(args.seed), "evaluations": "0"})


if __name__ == "__main__":
    main()
