#!/usr/bin/env bash
# The 2-D study behind docs/one-step-refinement.md: a Kac teacher on paired-gaussians (4 classes, each
# two opposite Gaussian components), a one-step student distilled from it by endpoint regression (the
# baseline), and that student refined by FGM at α = 0.5 / 1.0 / 1.2 and by the velocity-DMD heuristic,
# three seeds each; then every model sampled (20,000 points) and scored by tools/refine_toy_metrics.py
# against the teacher at 100 steps, s = 1.5 (a second teacher sample gives the floor).
#
#   scripts/refine-toy-study.sh [DIR]      (default /work/runs/toy; about an hour on 2 busy cores)
#
# Re-running skips what is done (kac train / distill / refine resume; samples are kept). Exit codes:
# 0 done, 1 a step failed (its kac exit code is printed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/work/runs/toy}
kac="$repo/.build/release/kac"
zoo="$dir/zoo"
steps=${REFINE_TOY_STEPS:-3000}
seeds=${REFINE_TOY_SEEDS:-"1 2 3"}
mkdir -p "$dir"
run() { echo "+ $*" >&2; nice -n 10 "$kac" "$@"; }

if [ ! -f "$zoo/models/toy/teacher/1.json" ]; then
    run train --data paired-gaussians --run "$dir/teacher" --steps 20000 --batch-size 256 --learning-rate 1e-3 \
        --ema 0.999 --label-dropout 0.1 --hidden-width 256 --seed 1
    run publish "$dir/teacher/checkpoint.safetensors" --name toy/teacher --kind teacher --zoo "$zoo" --dtype f32 \
        --steps 100 --guidance 1.5
fi
if [ ! -f "$zoo/models/toy/student-1/1.json" ]; then
    run distill --teacher toy/teacher --zoo "$zoo" --run "$dir/distill" --stages 100,1 --start trajectory \
        --pool 8192 --steps-per-stage 5000 --batch-size 256 --learning-rate 1e-3 --ema 0.995 --seed 1 \
        --publish toy --dtype f32
fi
arms=("fgm 0.5" "fgm 1.0" "fgm 1.2" "velocity-dmd 0.5")
for seed in $seeds; do
    for arm in "${arms[@]}"; do
        set -- $arm
        name="toy/refined-$1-a$2-s$seed"
        [ -f "$zoo/models/$name/1.json" ] && continue
        run refine --student toy/student-1@1 --teacher toy/teacher@1 --zoo "$zoo" --run "$dir/refine-$1-a$2-s$seed" \
            --method "$1" --alpha "$2" --guidance 1.5 --steps "$steps" --fake-warmup 500 --batch-size 256 \
            --learning-rate 1e-4 --ema 0.99 --seed "$seed" --checkpoint-every 1000 --log-every 500 \
            --eval-samples 2000 --publish "$name" --dtype f32
    done
done
samples="$dir/samples"
mkdir -p "$samples"
if ! ls "$samples"/toy_teacher@1-euler-100-s1.5-seed8.safetensors >/dev/null 2>&1; then
    run eval --model toy/teacher@1 --zoo "$zoo" --steps 100 --guidance 1.5 --samples 20000 --seed 7 --save-samples "$samples" >/dev/null
    run eval --model toy/teacher@1 --zoo "$zoo" --steps 100 --guidance 1.5 --samples 20000 --seed 8 --save-samples "$samples" >/dev/null
fi
for manifest in "$zoo"/models/toy/student-1/1.json "$zoo"/models/toy/refined-*/1.json; do
    name=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["name"] + "@" + str(m["version"]))' "$manifest")
    safe=$(echo "$name" | tr '/.' '__')
    ls "$samples/$safe"-* >/dev/null 2>&1 && continue
    run eval --model "$name" --zoo "$zoo" --samples 20000 --seed 7 --save-samples "$samples" >/dev/null
done
python3 "$repo/tools/refine_toy_metrics.py" "$samples"/toy_teacher@1-euler-100-s1.5-seed7.safetensors \
    "$samples"/toy_teacher@1-euler-100-s1.5-seed8.safetensors "$samples"/toy_student-1@1-*.safetensors \
    "$samples"/toy_refined-*.safetensors | tee "$dir/metrics.txt"
