#!/usr/bin/env bash
# The hostile-input fuzz targets, long: mutated model archives (import → load → render) and
# hostile image folders (scan → decode), each round checked for crashes, hangs and leftovers.
# CI runs the same tests for a few rounds inside `swift test`. Usage:
#   scripts/fuzz-hostile.sh [ITERATIONS [SEED]]      # default 2000 rounds, seed 26
# A failing round names its number; re-run with the same SEED to replay it.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAC_FUZZ_ITERATIONS="${1:-2000}"
export KAC_FUZZ_SEED="${2:-26}"
swift build -c release
exec swift test -c release --filter 'HostileArchiveFuzzTests|HostileFolderFuzzTests'
