#!/usr/bin/env bash
# End-to-end render speed, bf16 against fp32: `kac render` of COUNT PNGs, the two precisions
# alternating for ROUNDS rounds (so slow drifts of the machine's load hit both), then the median
# wall-clock seconds of each and their ratio. Prints the OpenBLAS kernel it ran with.
#   [CPUS=0] bench/render-precision.sh MODEL STEPS GUIDANCE [COUNT=1000] [ROUNDS=3]
# e.g. bench/render-precision.sh fashion-mnist/student-1 1 1; … fashion-mnist/teacher 4 1.5
# CPUS (a taskset list, e.g. 0 or 0,1) pins kac to those CPUs; it takes its thread count from them.
# BATCH sets --batch-size (default: kac render's).
# Every render writes into a directory of its own, all removed at the end: on an ext4 without a
# journal (this VM's disk) files created within a few minutes of deleting others scan past each
# recently deleted inode, so deleting the last round's 1000 files just before a render makes its file
# creation several times dearer. DELETE_BETWEEN=1 measures that case (the previous round's files
# deleted right before each render).
# Uses .build/release/kac (build it first) and the repo's zoo; scratch goes to a temporary directory.
source "$(dirname "$0")/render-common.sh"
pin=()
[ -n "${CPUS:-}" ] && pin=(taskset -c "$CPUS")
echo "model $model, $steps steps, guidance $guidance, $count images, $rounds rounds, CPUs ${CPUS:-all}, batch ${BATCH:-default};" \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset (OpenBLAS picks from the CPU)};" \
    "$([ "${DELETE_BETWEEN:-0}" = 1 ] && echo "previous files deleted before each render" || echo "a fresh directory per render");" \
    "scratch $(df --output=fstype "$scratch" | tail -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A times
for round in $(seq "$rounds"); do
    for precision in fp32 bf16; do
        out=$scratch/$precision-$round
        [ "${DELETE_BETWEEN:-0}" = 1 ] && { rm -rf "$scratch"/*; out=$scratch/out; }
        seconds=$(timed_render "$out" "$precision" "$round" "${pin[@]}")
        times[$precision]+="$seconds "
        printf 'round %d %s %.2f s\n' "$round" "$precision" "$seconds"
    done
done
fp32=$(echo "${times[fp32]}" | median)
bf16=$(echo "${times[bf16]}" | median)
printf 'median fp32 %.2f s (%.0f img/s), bf16 %.2f s (%.0f img/s), bf16 speed-up %.2fx\n' \
    "$fp32" "$(echo "$count / $fp32" | bc -l)" "$bf16" "$(echo "$count / $bf16" | bc -l)" "$(echo "$fp32 / $bf16" | bc -l)"
