#!/bin/bash
# What training and rendering cost per image size (docs/own-images.md §5): kac train's seconds per
# step at 16, 32 (widths 16 and 32) and 64 px, and a 1-evaluation render's images/s in fp32 and bf16.
#
#   scripts/own-images-costs.sh DIR [KAC]     DIR: a new directory; KAC: default .build/release/kac
#
# Needs python3 (tools/make_shapes.py). Exit status: 0 done, 64 bad arguments, 1 a step failed.
set -uo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = --help ]; then sed -n '2,7p' "$0" | cut -c3-; exit 64; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
kac="${2:-$here/.build/release/kac}"
[ -x "$kac" ] || { echo "own-images-costs: no kac binary at $kac (swift build -c release)" >&2; exit 64; }
kac="$(cd "$(dirname "$kac")" && pwd)/$(basename "$kac")"
[ -e "$1" ] && { echo "own-images-costs: $1 exists; give a new directory" >&2; exit 64; }
mkdir -p "$1" && cd "$1" || exit 1
python3 "$here/tools/make_shapes.py" shapes-raw >/dev/null && "$kac" dataset split shapes-raw --out shapes >/dev/null || exit 1
echo "$(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1 /proc/loadavg) at the start"
for cfg in "16 16" "32 16" "32 32" "64 16"; do
  set -- $cfg
  run=runs/train-$1-$2
  "$kac" train --data shapes/train --image-size "$1" --width "$2" --run $run --steps 5 --batch-size 32 --ema 0.99 --sample-every 0 >/dev/null 2>&1 || exit 1
  start=$(date +%s.%N)
  "$kac" train --data shapes/train --image-size "$1" --width "$2" --run $run --steps 35 --batch-size 32 --ema 0.99 --sample-every 0 >/dev/null 2>&1 || exit 1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v a="$1" -v w="$2" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "train %s px width %s: %.3f s/step (batch 32), load %s\n", a, w, (e - s) / 30, l }'
done
for size in 16 32 64; do
  run=runs/render-$size
  "$kac" train --data shapes/train --image-size $size --width 16 --run $run --steps 1 --batch-size 8 --sample-every 0 >/dev/null 2>&1 || exit 1
  "$kac" publish $run/checkpoint.safetensors --name cost/size-$size --steps 1 --guidance 1 --zoo zoo >/dev/null 2>&1 || exit 1
  for precision in fp32 bf16; do
    rm -rf out
    line=$("$kac" render --model cost/size-$size --zoo zoo --count 256 --precision $precision --out out 2>&1 | grep -o "[0-9.]* images/s")
    echo "render $size px $precision: ${line:-refused (no $precision here)} (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
