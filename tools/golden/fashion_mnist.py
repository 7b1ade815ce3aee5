#!/usr/bin/env python3
"""Golden facts about Debian's dataset-fashion-mnist IDX files, read independently with gzip+numpy.

Prints, per split: count, first ten labels, per-class counts, and the pixel sums (0-255 bytes) of
the first image, the last image and the whole split. TrainingTests carry these as literals.
Usage: python3 tools/golden/fashion_mnist.py
"""
import gzip

import numpy as np

DIRECTORY = "/usr/share/datasets/fashion-mnist/"

for split in ["train", "t10k"]:
    labels = np.frombuffer(gzip.open(f"{DIRECTORY}{split}-labels-idx1-ubyte.gz").read()[8:], dtype=np.uint8)
    images = np.frombuffer(gzip.open(f"{DIRECTORY}{split}-images-idx3-ubyte.gz").read()[16:], dtype=np.uint8)
    images = images.reshape(-1, 784).astype(np.int64)
    print(split, len(labels), labels[:10].tolist(), np.bincount(labels).tolist(),
          images[0].sum(), images[-1].sum(), images.sum())
