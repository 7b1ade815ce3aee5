#!/usr/bin/env bash
# Judge a (refined) student the way docs/one-step-refinement.md reports it: 1,000 samples at its own
# setting for each seed, scored by the evaluation classifier (fashion-mnist/classifier@2, "judge")
# and, on the same images, by the second instrument (fashion-mnist/classifier@1).
#
#   scripts/refine-judge.sh MODEL [ZOO] [OUT] [SEEDS]
#
#   MODEL  zoo reference (e.g. fashion-mnist/student-1@4)
#   ZOO    model store (default: zoo in this repository)
#   OUT    directory for the samples and JSON reports (default: /work/runs/judge/<MODEL with / and @ as ->)
#   SEEDS  comma-separated seeds (default: 7,8)
#
# Prints one line per seed: judge FD / KID×10³ / accuracy | second FD / KID×10³ / accuracy.
# Needs a release build. Exit codes: 0 judged, 1 a prerequisite is missing or kac eval failed,
# 2 bad arguments.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kac="$repo/.build/release/kac"
[ $# -ge 1 ] && [ $# -le 4 ] || { echo "usage: $0 MODEL [ZOO] [OUT] [SEEDS]" >&2; exit 2; }
model=$1
zoo=${2:-$repo/zoo}
out=${3:-/work/runs/judge/$(echo "$model" | tr '/@' '--')}
seeds=${4:-7,8}
[ -x "$kac" ] || { echo "$kac is missing: run 'swift build -c release' in $repo first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to read the reports" >&2; exit 1; }
mkdir -p "$out"
cache=${KAC_EVAL_CACHE:-/work/runs/eval-cache}

# row FILE: "FD / KID / accuracy" of the report's only row.
row() {
    python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
print(f"{r['frechetDistance']:.2f} / {r['multiLayerKernelDistance'] * 1e3:.2f} / {r['classAccuracy']:.3f}")
EOF
}

IFS=, read -r -a list <<<"$seeds"
for seed in "${list[@]}"; do
    samples="$out/samples-$seed"
    "$kac" eval --model "$model" --zoo "$zoo" --seed "$seed" --samples 1000 \
        --classifier fashion-mnist/classifier@1 --cache-directory "$cache" \
        --save-samples "$samples" --json-file "$out/second-$seed.json" >"$out/second-$seed.txt" 2>&1 ||
        { echo "kac eval failed: $out/second-$seed.txt" >&2; exit 1; }
    "$kac" eval --score-samples "$samples" --zoo "$zoo" --classifier fashion-mnist/classifier@2 \
        --cache-directory "$cache" --json-file "$out/judge-$seed.json" >"$out/judge-$seed.txt" 2>&1 ||
        { echo "kac eval --score-samples failed: $out/judge-$seed.txt" >&2; exit 1; }
    echo "$model seed $seed: judge $(row "$out/judge-$seed.json") | second $(row "$out/second-$seed.json")"
done
