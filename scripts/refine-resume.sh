#!/usr/bin/env bash
# The long image refinement run (docs/one-step-refinement.md): fashion-mnist/student-1@3 refined by
# flow generator matching against fashion-mnist/teacher@2 at s = 1.5, the fake network guided at the
# same scale (so it starts as exactly the guided teacher), generator and fake at rate 1e-5.
#
#   scripts/refine-resume.sh [RUN]         start or continue the run in RUN (default /work/runs/refine-1)
#                                          in the background at nice 10; progress lines go to RUN/progress.log
#   scripts/refine-resume.sh --keep [RUN]  copy RUN's latest checkpoint, zstd-compressed, to
#                                          runs/refine-1/checkpoint.safetensors.zst in this repository
#
# A RUN without a checkpoint starts from the copy kept in the repository when there is one, so a new
# machine continues where the last session stopped. Re-running the same `kac refine` command resumes
# (kac refine refuses a checkpoint of another configuration). Needs a release build (swift build -c
# release) and zstd. Exit codes: 0 started or kept, 1 a prerequisite is missing, 2 bad arguments.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kept="$repo/runs/refine-1/checkpoint.safetensors.zst"
kac="$repo/.build/release/kac"

keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
[ $# -le 1 ] || { echo "usage: $0 [--keep] [RUN]" >&2; exit 2; }
run=${1:-/work/runs/refine-1}
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
    exit 0
fi

[ -x "$kac" ] || { echo "$kac is missing: run 'swift build -c release' in $repo first" >&2; exit 1; }
mkdir -p "$run"
if [ ! -f "$run/checkpoint.safetensors" ] && [ -f "$kept" ]; then
    zstd -q -d "$kept" -o "$run/checkpoint.safetensors"
    echo "continuing from the checkpoint kept in $kept"
fi
# Run a copy, so a rebuild of the repository cannot change the binary under the running process.
cp "$kac" "$run/kac"
nohup nice -n 10 "$run/kac" refine \
    --student fashion-mnist/student-1@3 --teacher fashion-mnist/teacher@2 --zoo "$repo/zoo" \
    --run "$run" --method fgm --alpha 0.5 --guidance 1.5 --fake-guidance 1.5 --time-range 0.05,0.9 \
    --steps 40000 --fake-warmup 100 --batch-size 64 --learning-rate 1e-5 --adam-beta1 0 --clip 1 \
    --ema 0.999 --seed 1 --checkpoint-every 100 --log-every 10 --eval-every 100 --eval-samples 1000 \
    --cache-directory "$run/eval-cache" \
    >>"$run/progress.log" 2>&1 &
echo "refinement running as process $! (nice 10); progress: tail -f $run/progress.log"
