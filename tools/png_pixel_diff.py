#!/usr/bin/env python3
"""Largest pixel difference per image between two render directories (same file names), e.g. a
bf16 and an fp32 `kac render` of the same request. Reads 8-bit greyscale/RGB(A) PNGs with zlib
only (no imaging library). Usage: tools/png_pixel_diff.py DIR_A DIR_B"""
import os
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8, f"{path}: bit depth {depth}"
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return b"".join(rows)


def main():
    a, b = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(a) if n.endswith(".png") and n != "grid.png")
    worst = []
    for name in names:
        pa, pb = read_png(os.path.join(a, name)), read_png(os.path.join(b, name))
        worst.append(max(abs(x - y) for x, y in zip(pa, pb)))
    histogram = {}
    for w in worst:
        histogram[w] = histogram.get(w, 0) + 1
    print(f"{len(worst)} images; largest pixel difference per image (0-255): max {max(worst)}, "
          f"mean {sum(worst) / len(worst):.2f}; images by largest difference: {dict(sorted(histogram.items()))}")


if __name__ == "__main__":
    main()
