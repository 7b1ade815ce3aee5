"""Reading and writing the f32 safetensors files kac's dev tools exchange (`kac eval --save-samples`
files, RUN/real-tilt.safetensors), with numpy only: no `safetensors` package needed."""
import json
import struct

import numpy as np


def read_f32(path):
    """Every tensor of `path` (all must be F32) as numpy arrays, and the file's metadata."""
    with open(path, "rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        body = handle.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, header.get("__metadata__", {})


def write_f32(path, tensors, metadata):
    """Writes `tensors` (name → array, stored as F32) and `metadata` (str → str) to `path`."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
