#!/usr/bin/env python3
"""Writes a small labelled image folder of drawn shapes (standard library only, no Pillow).

    python3 tools/make_shapes.py OUT [--size 32] [--seed 1] [--counts circle=320,square=220,triangle=160,star=50]

OUT/<class>/<class>-NNNN.png, RGB, one shape of a random colour, size, place and rotation on a
plain light background, drawn with 4×4 supersampling. The default counts are deliberately
unbalanced (star is rare), as a user's own folder often is. Same seed, same bytes.
"""
import argparse
import math
import os
import random
import struct
import zlib


def png_bytes(width, height, rows):
    """rows: list of bytearrays of width*3 RGB bytes."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def polygon_contains(points, x, y):
    inside = False
    for i in range(len(points)):
        (x1, y1), (x2, y2) = points[i], points[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def shape_test(kind, rng, size):
    cx = rng.uniform(0.35, 0.65) * size
    cy = rng.uniform(0.35, 0.65) * size
    r = rng.uniform(0.22, 0.34) * size
    angle = rng.uniform(0, 2 * math.pi)
    if kind == "circle":
        return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if kind == "square":
        corners = 4
        radii = [r] * 4
    elif kind == "triangle":
        corners = 3
        radii = [r * 1.15] * 3
    else:  # star: ten corners alternating outer and inner radius
        corners = 10
        radii = [r * 1.2 if i % 2 == 0 else r * 0.5 for i in range(10)]
    points = [(cx + radii[i] * math.cos(angle + 2 * math.pi * i / corners),
               cy + radii[i] * math.sin(angle + 2 * math.pi * i / corners)) for i in range(corners)]
    return lambda x, y: polygon_contains(points, x, y)


def draw(kind, rng, size):
    background = [rng.randint(200, 255) for _ in range(3)]
    colour = [rng.randint(0, 160) for _ in range(3)]
    inside = shape_test(kind, rng, size)
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            hits = sum(inside(px + (sx + 0.5) / 4, py + (sy + 0.5) / 4) for sx in range(4) for sy in range(4))
            a = hits / 16
            row.extend(round(colour[c] * a + background[c] * (1 - a)) for c in range(3))
        rows.append(row)
    return png_bytes(size, size, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--counts", default="circle=320,square=220,triangle=160,star=50")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for item in args.counts.split(","):
        kind, count = item.split("=")
        folder = os.path.join(args.out, kind)
        os.makedirs(folder, exist_ok=True)
        for index in range(int(count)):
            with open(os.path.join(folder, f"{kind}-{index:04d}.png"), "wb") as handle:
                handle.write(draw(kind, rng, args.size))
    print(f"wrote {args.counts} at {args.size}x{args.size} into {args.out}")


if __name__ == "__main__":
    main()
