#!/usr/bin/env bash
# Builds and runs the 28×28 PNG encode probe (png_encode_probe.c: what a libvips PNG save costs per
# image, with and without Kac's provenance, against libpng and zlib alone).
# Usage: bench/png-encode-probe/run.sh [ENCODES per case and round, default 2000] [ROUNDS, default 3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/png_encode_probe
cc -O2 -Wall -o "$out" "$here/png_encode_probe.c" $(pkg-config --cflags --libs vips libpng zlib)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
"$out" "${1:-2000}" "${2:-3}"
