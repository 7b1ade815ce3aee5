#!/bin/bash
# The own-images quick recipe (docs/own-images.md §4), end to end in a directory of your choice, each
# step timed: wall clock, CPU time (user + system) and the load average, one line per step in
# DIR/recipe-times.txt; every command's output goes to DIR/recipe.log.
#
#   scripts/own-images-recipe.sh DIR [KAC]     KAC: the kac binary (default: .build/release/kac, else kac on PATH)
#
# DIR must not exist yet. Exit status: 0 done, 64 bad arguments, otherwise the failing step's.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = --help ]; then sed -n '2,8p' "$0" | cut -c3-; exit 64; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
kac="${2:-}"
if [ -z "$kac" ]; then
  if [ -x "$here/.build/release/kac" ]; then kac="$here/.build/release/kac"; else kac="$(command -v kac || true)"; fi
fi
[ -x "$kac" ] || { echo "own-images-recipe: no kac binary (build with swift build -c release, or give its path)" >&2; exit 64; }
kac="$(cd "$(dirname "$kac")" && pwd)/$(basename "$kac")"
[ -e "$dir" ] && { echo "own-images-recipe: $dir exists; give a new directory" >&2; exit 64; }
mkdir -p "$dir" && cd "$dir"

step() {
  local name="$1"; shift
  echo "== $name: $*" >> recipe.log
  local start; start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o time.tmp "$@" >> recipe.log 2>&1
  local end; end=$(date +%s.%N)
  awk -v n="$name" -v s="$start" -v e="$end" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    '{ printf "%-10s wall %6.0f s  cpu %6.0f s  load %s\n", n, e - s, $1 + $2, l }' time.tmp | tee -a recipe-times.txt
  rm -f time.tmp
}
Z=zoo
step shapes python3 "$here/tools/make_shapes.py" shapes-raw
step split "$kac" dataset split shapes-raw --out shapes
step teacher "$kac" train --data shapes/train --run runs/teacher --width 16 --steps 4500 --batch-size 32 --ema 0.995 --sample-every 500
step publish "$kac" publish runs/teacher/checkpoint.safetensors --name shapes/teacher --steps 32 --guidance 1.5 --zoo $Z
step classifier "$kac" classifier train --data shapes/train --test shapes/test --run runs/classifier --epochs 40 --batch-size 32 --widths 16,32 --hidden-width 64 --shift 2 --publish --zoo $Z
step distill "$kac" distill --teacher shapes/teacher --zoo $Z --data shapes/train --run runs/distill --stages 32,4,1 --start trajectory --targets base --pool 1024 --steps-per-stage 1000,3000 --batch-size 32 --ema 0.99 --eval-samples 200 --classifier shapes/classifier --reference shapes/test --publish shapes
step eval "$kac" eval --model shapes/teacher --model shapes/student-4 --model shapes/student-1 --steps 32 --samplers euler --guidance 1.5 --zoo $Z --classifier shapes/classifier --reference shapes/test --samples 400 --json-file eval.json
step render "$kac" render --model shapes/student-1 --zoo $Z --count 32 --seed 3 --grid --scale 2 --out out
awk '{ w += $3; c += $6 } END { printf "total      wall %6.0f s  cpu %6.0f s\n", w, c }' recipe-times.txt | tee -a recipe-times.txt
