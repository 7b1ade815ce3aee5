#!/usr/bin/env bash
# The long image refinement run (docs/one-step-refinement.md, image run F): fashion-mnist/student-1@3
# refined by the adversarial method — the GAN loss of the refiner's own projection discriminator
# (real = Fashion-MNIST training images, R1 γ = 1, rate 2e-4) at weight 0.1, plus the regression onto
# the endpoints of fashion-mnist/student-4@3 from the same 2,048 prior draws at weight 3 — generator
# rate 2e-5, batch 64, EMA 0.99. (Run C, the same at weight 0.01 / anchor 1 / rate 1e-5 / EMA 0.999,
# and run B, FGM, are described in the doc; run B's checkpoint is kept in runs/refine-1.)
#
#   scripts/refine-resume.sh [RUN]         start or continue the run in RUN (default /work/runs/refine-5)
#                                          in the background at nice 10; progress lines go to RUN/progress.log
#   scripts/refine-resume.sh --keep [RUN]  copy RUN's latest checkpoint and anchor pool, zstd-compressed, to
#                                          runs/refine-5/ in this repository
#
# A RUN without a checkpoint starts from the copy kept in the repository when there is one, so a new
# machine continues where the last session stopped. Re-running the same `kac refine` command resumes
# (kac refine refuses a checkpoint of another configuration). Needs a release build (swift build -c
# release) and zstd. Exit codes: 0 started or kept, 1 a prerequisite is missing, 2 bad arguments.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kept="$repo/runs/refine-5/checkpoint.safetensors.zst"
keptPool="$repo/runs/refine-5/anchor-pool.safetensors.zst"
kac="$repo/.build/release/kac"

keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
[ $# -le 1 ] || { echo "usage: $0 [--keep] [RUN]" >&2; exit 2; }
run=${1:-/work/runs/refine-5}
command -v zstd >/dev/null || { echo "zstd is not installed (apt-get install zstd)" >&2; exit 1; }

if $keep; then
    [ -f "$run/checkpoint.safetensors" ] || { echo "$run/checkpoint.safetensors does not exist" >&2; exit 1; }
    mkdir -p "$(dirname "$kept")"
    # Copy first: the run may replace its checkpoint (atomically) while zstd reads it.
    snapshot=$(mktemp "$run/.keep-XXXXXX")
    cp "$run/checkpoint.safetensors" "$snapshot"
    zstd -q -f -19 -T2 "$snapshot" -o "$kept.tmp"
    rm -f "$snapshot"
    mv "$kept.tmp" "$kept"
    chmod 644 "$kept"
    echo "kept $(du -h "$kept" | cut -f1) in $kept"
    if [ -f "$run/anchor-pool.safetensors" ] && [ ! -f "$keptPool" ]; then
        zstd -q -f -19 -T2 "$run/anchor-pool.safetensors" -o "$keptPool.tmp" && mv "$keptPool.tmp" "$keptPool"
        echo "kept $(du -h "$keptPool" | cut -f1) in $keptPool"
    fi
    exit 0
fi

[ -x "$kac" ] || { echo "$kac is missing: run 'swift build -c release' in $repo first" >&2; exit 1; }
mkdir -p "$run"
if [ ! -f "$run/checkpoint.safetensors" ] && [ -f "$kept" ]; then
    zstd -q -d "$kept" -o "$run/checkpoint.safetensors"
    echo "continuing from the checkpoint kept in $kept"
fi
if [ ! -f "$run/anchor-pool.safetensors" ] && [ -f "$keptPool" ]; then
    zstd -q -d "$keptPool" -o "$run/anchor-pool.safetensors"
fi
# Run a copy, so a rebuild of the repository cannot change the binary under the running process.
cp "$kac" "$run/kac"
nohup nice -n 10 "$run/kac" refine \
    --student fashion-mnist/student-1@3 --teacher fashion-mnist/teacher@2 --zoo "$repo/zoo" \
    --run "$run" --method adversarial --adversarial-weight 0.1 --anchor-weight 3 \
    --anchor-model fashion-mnist/student-4@3 --anchor-pool 2048 --real data --r1 1 \
    --discriminator-learning-rate 2e-4 --discriminator-width 32 --guidance 1.5 \
    --steps 40000 --fake-warmup 200 --batch-size 64 --learning-rate 2e-5 --adam-beta1 0 --clip 1 \
    --ema 0.99 --seed 1 --checkpoint-every 100 --log-every 10 --eval-every 100 --eval-samples 1000 \
    --cache-directory "$run/eval-cache" \
    >>"$run/progress.log" 2>&1 &
echo "refinement running as process $! (nice 10); progress: tail -f $run/progress.log"
