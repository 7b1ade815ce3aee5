#!/usr/bin/env bash
# The long image refinement runs of docs/one-step-refinement.md, started or continued in the
# background, and kept in this repository between sessions (/work/runs does not survive one).
#
#   scripts/refine-resume.sh NAME [RUN]         start or continue run NAME in RUN (default
#                                               /work/runs/refine-N, N below) at nice 10; progress
#                                               lines go to RUN/progress.log
#   scripts/refine-resume.sh --keep NAME [RUN]  copy RUN's latest checkpoint and its kept best weights,
#                                               zstd-compressed, to runs/refine-N/
#   scripts/refine-resume.sh --publish NAME MODEL ZOO [RUN]
#                                               publish RUN's kept best weights (else its EMA generator) as
#                                               the next version of MODEL in ZOO, without training: the run's
#                                               files (else the kept ones) are copied to RUN-publish first, so
#                                               RUN keeps running
#   scripts/refine-resume.sh --history NAME [RUN]
#                                               copy each new checkpoint of RUN to RUN/history/step-N.safetensors
#                                               every 20 s until stopped (run it in the background beside the run),
#                                               so a later run can branch from a chosen step (branchFrom=DIR@STEP)
#   scripts/refine-resume.sh --list             the runs and what each does
#
# Runs (all: the adversarial method — the GAN loss of the refiner's own projection discriminator,
# width 32, on the 60,000 Fashion-MNIST training images, R1 γ 1, rate 2e-4 — at weight 0.1 plus the
# regression onto an anchor model's endpoints from the same 2,048 prior draws (M: 16,384); generator rate 2e-5,
# Adam β₁ 0, batch 64, EMA 0.99 unless said, seed 1):
#
#   F   refine-5  fashion-mnist/student-1@3, anchor student-4@3 weight 3 (no kept best: it predates --keep-best)
#   G   refine-6  fashion-mnist/student-1@3, anchor student-20@3 weight 2, --keep-best --snapshots
#   H2  refine-7  fashion-mnist/student-2@3 (2 Euler steps), anchor student-20@3 weight 2, --keep-best --snapshots
#   H4  refine-8  fashion-mnist/student-4@3 (4 Euler steps), anchor student-20@3 weight 2, --keep-best --snapshots
#   I   refine-9  fashion-mnist/student-1@3, anchor the teacher's own 100-step endpoints weight 2, and those
#                 endpoints as the discriminator's reals (--real teacher), --keep-best --snapshots
#   J   refine-10 fashion-mnist/student-1@4 (run G's published best), as run I: the teacher's endpoints as
#                 anchor (weight 2) and as reals, to lift class accuracy while keeping its FD
#   K   refine-11 fashion-mnist/student-4@4 (run H4's published best, 4 Euler steps), as run J
#   L   refine-12 fashion-mnist/student-1@4, as run J but the anchor at weight 0.5 (J's weight 2 pulled the
#                 FD back toward the endpoint-regression student's within 100 steps)
#   M   refine-13 fashion-mnist/student-1@4, anchor student-20@3 weight 2 (as run G), and as the
#                 discriminator's reals student-20@3's endpoints from a pool of 16,384 (--real teacher
#                 --anchor-pool 16384): the guided distribution as the target, from 8× more reals than J and L
#   N   refine-14 fashion-mnist/student-1@4, as run G (anchor student-20@3 weight 2, the training images as
#                 reals) but the reals tilted toward class-typical images, p(y|x)^0.5 (--real-tilt 0.5: the
#                 guided teacher's target at s = 1.5)
#   N0  refine-15 fashion-mnist/student-1@4, as run N without the tilt (its control: the same restart)
#   O   refine-16 fashion-mnist/student-4@4 (4 Euler steps), as run N
#   P   refine-17 fashion-mnist/student-2@4 (2 Euler steps), as run N
#   N1  refine-18 fashion-mnist/student-1@4, as run N (tilted reals) but its discriminator starts from run G's
#                 kept checkpoint (runs/refine-6, step 3,700: --discriminator-from), not untrained
#   N2  refine-19 fashion-mnist/student-1@4, as run N1 without the tilt (its control)
#   O1  refine-20 fashion-mnist/student-4@4, as run N1 with run H4's discriminator (runs/refine-8)
#   P1  refine-21 fashion-mnist/student-2@4, as run N1 with run H2's discriminator (runs/refine-7)
#   N3  refine-22 fashion-mnist/student-1@3, run G itself continued from its kept checkpoint (step 3,700:
#                 --branch-from) with the tilt switched on (--real-tilt 0.5): no restart
#   O3  refine-23 fashion-mnist/student-4@3, run H4 continued from its kept checkpoint (step 3,400) with the tilt
#   P3  refine-24 fashion-mnist/student-2@3, run H2 continued from its kept checkpoint with the tilt
#   Q   refine-25 fashion-mnist/student-1@3, run G with the tilt from its first step (G's course, whose
#                 accuracy N3 had to recover late, with the tilted reals throughout)
#   Q8  refine-26 fashion-mnist/student-1@3, run Q with an anchor pool of 8,192 prior draws, not 2,048 (at
#                 batch 64 G saw each of its 2,048 anchors ~90 times by step 3,000: does the late drift come
#                 from fitting them?) — started in session 18 and stopped while making its pool: not run yet
#   QD  refine-27 fashion-mnist/student-1@3, run Q branched at its step 2,400 with every learning rate falling
#                 linearly to 0 over the next 1,000 steps (--rate-decay-from 2400 --rate-decay 1000): G's
#                 figures stopped improving near step 3,000 and then drifted; a falling rate lets the game settle
#   O4  refine-28 fashion-mnist/student-4@3 (4 Euler steps), run H4 with the tilt from its first step and every rate
#                 falling linearly to 0 from step 1,600 to 2,600 (H4's figures held from step ~2,000)
#   P4  refine-29 fashion-mnist/student-2@3 (2 Euler steps), run H2 with the tilt from its first step and every rate
#                 falling linearly to 0 from step 2,000 to 3,000 (H2's FD held from step ~2,000); not run yet
#
# REFINE_THREADS=N gives the run N threads (default: every CPU it may use); with several runs on a
# 2-core machine, 1 each wastes less time waiting. A RUN without a checkpoint starts from the copy kept in the repository when there is one, so a new
# machine continues where the last session stopped. Re-running the same `kac refine` command resumes
# (kac refine refuses a checkpoint of another configuration). Needs a release build (swift build -c
# release), zstd and (for --publish and --history) python3. Exit codes: 0 started, kept or listed, 1 a prerequisite is missing, 2 bad
# arguments.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kac="$repo/.build/release/kac"

usage() { echo "usage: $0 [--keep | --history] NAME [RUN] | --publish NAME MODEL ZOO [RUN] | --list   (NAME: F, G, H2, H4, I, J, K, L, M, N, N0, O, P, N1, N2, O1, P1, N3, O3, P3, Q, Q8, QD, O4, P4)" >&2; exit 2; }

# The options of each run, after the common ones below.
configure() {
    real=data pool=2048 tilt=0 ema=0.99 decay="" discFrom="" branchFrom=""
    case "$1" in
    F)  dir=refine-5; keepBest=false
        options=(--student fashion-mnist/student-1@3 --anchor-weight 3 --anchor-model fashion-mnist/student-4@3) ;;
    G)  dir=refine-6; keepBest=true
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    H2) dir=refine-7; keepBest=true
        options=(--student fashion-mnist/student-2@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    H4) dir=refine-8; keepBest=true
        options=(--student fashion-mnist/student-4@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    I)  dir=refine-9; keepBest=true; real=teacher
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2) ;;
    J)  dir=refine-10; keepBest=true; real=teacher
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2) ;;
    K)  dir=refine-11; keepBest=true; real=teacher
        options=(--student fashion-mnist/student-4@4 --anchor-weight 2) ;;
    L)  dir=refine-12; keepBest=true; real=teacher
        options=(--student fashion-mnist/student-1@4 --anchor-weight 0.5) ;;
    M)  dir=refine-13; keepBest=true; real=teacher; pool=16384
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    N)  dir=refine-14; keepBest=true; tilt=0.5
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    N0) dir=refine-15; keepBest=true
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    O)  dir=refine-16; keepBest=true; tilt=0.5
        options=(--student fashion-mnist/student-4@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    P)  dir=refine-17; keepBest=true; tilt=0.5
        options=(--student fashion-mnist/student-2@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    N1) dir=refine-18; keepBest=true; tilt=0.5; discFrom=refine-6
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    N2) dir=refine-19; keepBest=true; discFrom=refine-6
        options=(--student fashion-mnist/student-1@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    O1) dir=refine-20; keepBest=true; tilt=0.5; discFrom=refine-8
        options=(--student fashion-mnist/student-4@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    P1) dir=refine-21; keepBest=true; tilt=0.5; discFrom=refine-7
        options=(--student fashion-mnist/student-2@4 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    N3) dir=refine-22; keepBest=true; tilt=0.5; branchFrom=refine-6
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    O3) dir=refine-23; keepBest=true; tilt=0.5; branchFrom=refine-8
        options=(--student fashion-mnist/student-4@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    P3) dir=refine-24; keepBest=true; tilt=0.5; branchFrom=refine-7
        options=(--student fashion-mnist/student-2@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    Q)  dir=refine-25; keepBest=true; tilt=0.5
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    Q8) dir=refine-26; keepBest=true; tilt=0.5; pool=8192
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    QD) dir=refine-27; keepBest=true; tilt=0.5; decay=2400,1000; branchFrom=refine-25@2400
        options=(--student fashion-mnist/student-1@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    O4) dir=refine-28; keepBest=true; tilt=0.5; decay=1600,1000
        options=(--student fashion-mnist/student-4@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    P4) dir=refine-29; keepBest=true; tilt=0.5; decay=2000,1000
        options=(--student fashion-mnist/student-2@3 --anchor-weight 2 --anchor-model fashion-mnist/student-20@3) ;;
    *)  usage ;;
    esac
    if [ "$tilt" != 0 ]; then options+=(--real-tilt "$tilt"); fi
    if [ -n "$decay" ]; then options+=(--rate-decay-from "${decay%,*}" --rate-decay "${decay#*,}"); fi
    if $keepBest; then options+=(--keep-best --snapshots); fi
}

if [ "${1:-}" = "--list" ]; then
    sed -n '/^#   F /,/^#$/{/^#$/d;p}' "$0" | sed 's/^# *//'
    exit 0
fi
keep=false history=false publishAs="" publishZoo=""
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
if [ "${1:-}" = "--history" ]; then history=true; shift; fi
if [ "${1:-}" = "--publish" ]; then
    [ $# -ge 4 ] || usage
    publishAs=$3 publishZoo=$4
    set -- "$2" "${@:5}"
fi
[ $# -ge 1 ] && [ $# -le 2 ] || usage
name=$1
configure "$name"
run=${2:-/work/runs/$dir}
kept="$repo/runs/$dir"
command -v zstd >/dev/null || { echo "zstd is not installed (apt-get install zstd)" >&2; exit 1; }

# compress SOURCE TARGET: a copy first (the run may replace SOURCE atomically while zstd reads it).
compress() {
    local snapshot
    snapshot=$(mktemp "$run/.keep-XXXXXX")
    cp "$1" "$snapshot"
    zstd -q -f -19 -T2 "$snapshot" -o "$2.tmp"
    rm -f "$snapshot"
    mv "$2.tmp" "$2"
    chmod 644 "$2"
    echo "kept $(du -h "$2" | cut -f1) in $2"
}

# checkpoint_step FILE: the generator step FILE (a refinement checkpoint) was written at.
checkpoint_step() {
    python3 -c 'import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"]["step"])' "$1"
}

if $history; then
    mkdir -p "$run/history"
    echo "copying each new checkpoint of $run to $run/history/ every 20 s (stop with kill $$)"
    while sleep 20; do
        [ -f "$run/checkpoint.safetensors" ] || continue
        # A copy first: the run replaces checkpoint.safetensors atomically while this reads it.
        snapshot=$(mktemp "$run/history/.copy-XXXXXX")
        cp "$run/checkpoint.safetensors" "$snapshot"
        step=$(checkpoint_step "$snapshot")
        if [ -f "$run/history/step-$step.safetensors" ]; then rm -f "$snapshot"; else mv "$snapshot" "$run/history/step-$step.safetensors"; fi
    done
fi

if $keep; then
    [ -f "$run/checkpoint.safetensors" ] || { echo "$run/checkpoint.safetensors does not exist" >&2; exit 1; }
    mkdir -p "$kept"
    compress "$run/checkpoint.safetensors" "$kept/checkpoint.safetensors.zst"
    if [ -f "$run/best.safetensors" ]; then
        compress "$run/best.safetensors" "$kept/best.safetensors.zst"
    fi
    # Every evaluation and resumption of the run, appended to what earlier sessions kept (the
    # progress log of /work/runs does not outlive a session).
    if [ -f "$run/progress.log" ]; then
        touch "$kept/evaluations.log"
        grep -E '^(\[[^]]*\] )?(eval step|resuming at|anchor pool:|publishing|tilted reals|tilt classifier|discriminator: from|branched from)' "$run/progress.log" \
            | grep -v -x -F -f "$kept/evaluations.log" >>"$kept/evaluations.log" || true
        echo "kept $(wc -l <"$kept/evaluations.log") evaluation lines in $kept/evaluations.log"
    fi
    # The anchor pool is not kept: kac refine remakes it identically (it depends only on the anchor
    # model, its setting, the pool size and the seed, which its file records), in 10–35 minutes.
    exit 0
fi

[ -x "$kac" ] || { echo "$kac is missing: run 'swift build -c release' in $repo first" >&2; exit 1; }
# gather TARGET: gives TARGET each of the run's files it lacks — RUN's own when TARGET is another
# directory and RUN has it, else the copy kept in the repository.
gather() {
    local target=$1 file
    for file in checkpoint best anchor-pool real-tilt; do
        [ -f "$target/$file.safetensors" ] && continue
        if [ "$target" != "$run" ] && [ -f "$run/$file.safetensors" ]; then
            cp "$run/$file.safetensors" "$target/"
        elif [ -f "$kept/$file.safetensors.zst" ]; then
            zstd -q -d "$kept/$file.safetensors.zst" -o "$target/$file.safetensors"
            echo "continuing from $kept/$file.safetensors.zst"
        fi
    done
    # The donor run's kept checkpoint, whose discriminator (or whole state) a new run starts from: read
    # only before the first update, so a run with a checkpoint does not need it.
    [ -f "$target/checkpoint.safetensors" ] && return 0
    if [ -n "$discFrom" ] && [ ! -f "$target/discriminator-from.safetensors" ]; then
        zstd -q -d "$repo/runs/$discFrom/checkpoint.safetensors.zst" -o "$target/discriminator-from.safetensors"
    fi
    # DIR@STEP: the donor's checkpoint at that step, from the donor's history (/work/runs/DIR/history/
    # step-STEP.safetensors, copied by --history while the donor ran); DIR: the donor's kept checkpoint.
    if [ -n "$branchFrom" ] && [ ! -f "$target/branch-from.safetensors" ]; then
        if [ "${branchFrom#*@}" != "$branchFrom" ]; then
            cp "/work/runs/${branchFrom%@*}/history/step-${branchFrom#*@}.safetensors" "$target/branch-from.safetensors"
        else
            zstd -q -d "$repo/runs/$branchFrom/checkpoint.safetensors.zst" -o "$target/branch-from.safetensors"
        fi
    fi
}
# command_for RUN ZOO STEPS: sets `command` to the run's exact command.
command_for() {
    command=("$1/kac" refine "${options[@]}"
        --teacher fashion-mnist/teacher@2 --zoo "$2"
        --run "$1" --method adversarial --adversarial-weight 0.1
        --anchor-pool "$pool" --real "$real" --r1 1
        --discriminator-learning-rate 2e-4 --discriminator-width 32 --guidance 1.5
        --steps "$3" --fake-warmup 200 --batch-size 64 --learning-rate 2e-5 --adam-beta1 0 --clip 1
        --ema "$ema" --seed 1 --checkpoint-every 100 --log-every 10 --eval-every 100 --eval-samples 1000
        --cache-directory "$1/eval-cache")
    if [ -n "$discFrom" ]; then command+=(--discriminator-from "$1/discriminator-from.safetensors"); fi
    if [ -n "$branchFrom" ]; then command+=(--branch-from "$1/branch-from.safetensors"); fi
    # Several runs sharing few CPUs waste less waiting on each other with one thread each.
    if [ -n "${REFINE_THREADS:-}" ]; then command+=(--threads "$REFINE_THREADS"); fi
}

if [ -n "$publishAs" ]; then
    copy="$run-publish"
    rm -rf "$copy" && mkdir -p "$copy"
    gather "$copy"
    [ -f "$copy/checkpoint.safetensors" ] || { echo "no checkpoint of run $name in $run or $kept" >&2; exit 1; }
    cp "$kac" "$copy/kac"
    # --steps = the checkpoint's generator step: the run is finished at it, so nothing trains, and the
    # recorded command says how far the run had gone.
    step=$(checkpoint_step "$copy/checkpoint.safetensors")
    command_for "$copy" "$publishZoo" "$step"
    exec "${command[@]}" --publish "$publishAs"
fi

mkdir -p "$run"
gather "$run"
# Run a copy, so a rebuild of the repository cannot change the binary under the running process.
cp "$kac" "$run/kac"
command_for "$run" "$repo/zoo" 40000
nohup nice -n 10 "${command[@]}" >>"$run/progress.log" 2>&1 &
echo "run $name refining as process $! (nice 10); progress: tail -f $run/progress.log"
