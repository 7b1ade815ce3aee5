#!/usr/bin/env python3
"""Checks that a safetensors file written by kac reads correctly in Python's safetensors.

Usage: python3 tools/safetensors/check_kac_file.py FILE
Produce FILE with the Swift test that writes it (built by the project's own encoder):
  KAC_INTEROP_OUT=/tmp/kac-interop.safetensors \
      swift test -c release --filter writesFileForPythonInterop
  python3 tools/safetensors/check_kac_file.py /tmp/kac-interop.safetensors
Expected content: F32 "layer.weight" [2,2] = (1, -2, 0.5, 3e-8), F16 "layer.bias" [2] = (0.1, -65504),
metadata {"kac.kind": "teacher"}.
"""
import sys
import numpy as np
from safetensors import safe_open

path = sys.argv[1]
with safe_open(path, framework="numpy") as f:
    meta = f.metadata()
    assert meta == {"kac.kind": "teacher"}, meta
    w = f.get_tensor("layer.weight")
    b = f.get_tensor("layer.bias")
    assert w.dtype == np.float32 and w.shape == (2, 2), (w.dtype, w.shape)
    assert np.array_equal(w, np.array([[1, -2], [0.5, 3e-8]], dtype=np.float32)), w
    assert b.dtype == np.float16 and b.shape == (2,), (b.dtype, b.shape)
    assert np.array_equal(b, np.array([0.1, -65504], dtype=np.float16)), b
    print("ok:", path, sorted(f.keys()), meta)
