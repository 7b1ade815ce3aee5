#!/usr/bin/env python3
"""Where a render's CPU time goes, by kind of work, from a `perf record` of it (dev-time tool).

    perf record -F 1999 -g -o perf.data kac render ... --precision bf16
    tools/perf_shares.py perf.data

Reads `perf report --no-children --sort dso,sym` (self time per symbol, all threads) and sums the
samples into categories by symbol and library name; prints each category's share of all samples.
oneDNN's JIT kernels have no symbols: they count by their `[JIT]` pseudo-library.
"""
import re
import subprocess
import sys

CATEGORIES = [  # (category, regular expression on "dso symbol"), first match wins
    ("oneDNN kernels (bf16 convolutions, matmuls)", r"\[JIT\]|libdnnl"),
    ("bf16 rounding of activations", r"kac_dnnl_round_rows"),
    ("OpenBLAS sgemm (fp32 products)", r"libopenblas"),
    ("Winograd transforms (fp32 3x3 convolutions)", r"Winograd|winograd"),
    ("group norm + SiLU", r"GroupNorm|kac_scale_shift_rows|kac_accumulate_column_sums|kac_centred_square_sums|SiLU|kac_silu|columnSums|scaleAndShift"),
    ("attention (softmax, per-head products)", r"MultiHeadSelfAttention|softmax"),
    ("copies (concatenation, upsampling, im2col)", r"memmove|memcpy|ChannelConcatenation|NearestUpsample|im2col"),
    ("prior draws and the Kac update", r"RandomSource|KacPath|ieee754_log|ieee754_exp|Kac.*Path|EulerStep|IntervalField|Sampler|Integrator"),
    ("image encoding and writing (libvips, zlib, PNG)", r"libvips|libz\.|libpng|libglib|libgobject|libgio|libspng|libhwy|Imaging|ImageEncoder"),
    ("allocation", r"malloc|_int_free|cfree|swift_allocObject|swift_release|swift_retain|memset"),
    ("kernel (file system, page faults, scheduling)", r"\[kernel"),
    ("threading (Dispatch, waits, yields)", r"dispatch|sched_yield|futex|pthread|libswiftDispatch"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    report = subprocess.run(
        ["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "dso,sym", "-g", "none",
         "--percent-limit", "0", "--stdio"],
        capture_output=True, text=True, check=True).stdout
    shares = {name: 0.0 for name, _ in CATEGORIES}
    other = 0.0
    for line in report.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(.*)", line)
        if not match:
            continue
        percent, rest = float(match.group(1)), match.group(2)
        for name, pattern in CATEGORIES:
            if re.search(pattern, rest):
                shares[name] += percent
                break
        else:
            other += percent
    for name, percent in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"{percent:6.1f} %  {name}")
    print(f"{other:6.1f} %  other")


if __name__ == "__main__":
    main()
