#!/usr/bin/env bash
# Builds and runs the bf16 GEMM library comparison (needs libdnnl-dev and libopenblas-dev).
# Usage: bench/bf16-gemm/run.sh   (OPENBLAS_CORETYPE on the command line picks the fp32 kernel)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
out="${TMPDIR:-/tmp}/kac-bf16-gemm-bench"
# The kernel with the clang SwiftPM uses (as in the package), the harness with the system cc (OpenMP).
shim="$root/Sources/CBFloat16"
objects=()
for source in "$here/own_kernel.c" "$shim"/*.c; do
    clang -O3 -I"$shim/include" -c "$source" -o "$out-$(basename "$source" .c).o"
    objects+=("$out-$(basename "$source" .c).o")
done
cc -O3 -fopenmp -I"$shim/include" -I"$here" -I/usr/include/x86_64-linux-gnu/openblas-pthread \
    "$here/bf16_gemm_bench.c" "${objects[@]}" -o "$out" -lopenblas -ldnnl -lm
exec "$out"
