#!/usr/bin/env bash
# The second 2-D sweep of docs/one-step-refinement.md: from the endpoint student of
# scripts/refine-toy-study.sh (run that first: it makes the teacher, the student and the reference
# samples in DIR), the arms the first study's negative result suggested —
#   anchor:   regression onto the teacher's 100-step endpoints from the same priors (endpoint distillation continued),
#   adv-*:    a GAN term on the refiner's own projection discriminator (real = the data set, or the
#             teacher's samples) added to the anchor (adv-weak: R1 γ 1 and rate 1e-4, a discriminator
#             that never left chance; not in the default order), and without the anchor,
#   adv-bad:  the control: the GAN alone from a poor one-step generator (the teacher at one Euler step),
#   fgm-big:  FGM with batch 2048 (8× the first study's), Adam β₁ 0.9 and 300 steps (the same samples as
#             2,400 steps of 256), added to the anchor,
# each sampled (20,000 points, seed 7) and scored by tools/refine_toy_metrics.py against the teacher
# at 100 steps and against the data set itself.
#
#   scripts/refine-toy-sweep.sh [DIR] [ARM...]   (default DIR /work/runs/toy; default: every arm)
#
# Re-running skips arms already published. Exit codes: 0 done, 1 a step failed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/work/runs/toy}; shift || true
kac="$repo/.build/release/kac"
zoo="$dir/zoo"
steps=${REFINE_TOY_STEPS:-3000}
[ -f "$zoo/models/toy/student-1/1.json" ] || { echo "run scripts/refine-toy-study.sh $dir first" >&2; exit 1; }
run() { echo "+ $*" >&2; nice -n 10 "$kac" "$@"; }

common=(--student toy/student-1@1 --teacher toy/teacher@1 --zoo "$zoo" --guidance 1.5 --steps "$steps" --batch-size 256
    --learning-rate 1e-4 --ema 0.99 --seed 1 --checkpoint-every 1000 --log-every 500 --eval-samples 2000 --dtype f32
    --anchor-pool 16384)
declare -A arms=(
    [anchor]="--method anchor --anchor-weight 1"
    [adv-weak]="--method adversarial --adversarial-weight 0.1 --anchor-weight 1 --fake-warmup 500"
    [adv]="--method adversarial --adversarial-weight 0.1 --anchor-weight 1 --r1 0.01 --discriminator-learning-rate 1e-3 --fake-warmup 500"
    [adv-teacher]="--method adversarial --adversarial-weight 0.1 --anchor-weight 1 --r1 0.01 --discriminator-learning-rate 1e-3 --real teacher --fake-warmup 500"
    [adv-noanchor]="--method adversarial --adversarial-weight 0.1 --r1 0.01 --discriminator-learning-rate 1e-3 --fake-warmup 500"
    [adv-bad]="--method adversarial --adversarial-weight 0.1 --r1 0.01 --discriminator-learning-rate 1e-3 --fake-warmup 500 --student toy/bad-student@1"
    [fgm-big]="--method fgm --anchor-weight 1 --steps 300 --batch-size 2048 --adam-beta1 0.9 --fake-guidance 1.5 --fake-warmup 100"
)
order=(anchor adv adv-teacher fgm-big adv-noanchor adv-bad)
[ $# -gt 0 ] && order=("$@")
samples="$dir/samples-sweep"
mkdir -p "$samples"
for arm in "${order[@]}"; do
    name="toy/sweep-$arm"
    if [ ! -f "$zoo/models/$name/1.json" ]; then
        # shellcheck disable=SC2086
        run refine "${common[@]}" ${arms[$arm]} --run "$dir/sweep-$arm" --publish "$name"
    fi
    ls "$samples"/toy_sweep-"${arm//./_}"@1-* >/dev/null 2>&1 ||
        run eval --model "$name@1" --zoo "$zoo" --samples 20000 --seed 7 --save-samples "$samples" >/dev/null
done
# The data set itself as a second reference (20,000 points, like the samples).
python3 - "$samples/data.safetensors" <<'PY'
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
component = rng.integers(0, 8, 20000)
angles = 2 * np.pi * component / 8
points = np.stack([0.7 * np.cos(angles), 0.7 * np.sin(angles)], 1) + 0.05 * rng.standard_normal((20000, 2))
tensors = {"samples": points.astype("<f4"), "labels": (component % 4).astype("<f4")}
header, offset, body = {}, 0, b""
for name, value in tensors.items():
    data = value.tobytes()
    header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [offset, offset + len(data)]}
    offset += len(data); body += data
encoded = json.dumps(header).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(encoded)) + encoded + body)
PY
teacher="$dir/samples/toy_teacher@1-euler-100-s1.5-seed7.safetensors"
files=("$dir/samples/toy_teacher@1-euler-100-s1.5-seed8.safetensors" "$dir"/samples/toy_student-1@1-*.safetensors "$samples"/toy_sweep-*.safetensors)
{
    echo "## against the teacher at 100 steps, s = 1.5"
    python3 "$repo/tools/refine_toy_metrics.py" "$teacher" "${files[@]}" "$samples/data.safetensors"
    echo "## against the data set"
    python3 "$repo/tools/refine_toy_metrics.py" "$samples/data.safetensors" "$teacher" "${files[@]}"
} | tee "$dir/metrics-sweep.txt"
