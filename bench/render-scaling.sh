#!/usr/bin/env bash
# How `kac render` scales from one CPU to two: COUNT PNGs rendered on CPU 0 alone and on CPUs 0,1
# (taskset; kac takes its thread count from the CPUs it may use), fp32 and bf16, the four
# alternating for ROUNDS rounds so slow drifts of the machine hit all of them; then the median
# seconds of each and the 2-CPU over 1-CPU speed-up per precision.
#   bench/render-scaling.sh MODEL STEPS GUIDANCE [COUNT=1000] [ROUNDS=3]
# e.g. bench/render-scaling.sh fashion-mnist/student-1 1 1
# BATCH sets --batch-size. bf16 rows are skipped on CPUs without AVX512_BF16. Uses .build/release/kac (build it first) and
# the repo's zoo; every render writes into a fresh directory under a temporary one, removed at the end.
source "$(dirname "$0")/render-common.sh"
precisions=(fp32 bf16)
grep -q avx512_bf16 /proc/cpuinfo || precisions=(fp32)
echo "model $model, $steps steps, guidance $guidance, $count images, $rounds rounds;" \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset (OpenBLAS picks from the CPU)}; load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A times
for round in $(seq "$rounds"); do
    for cpus in 0 0,1; do
        for precision in "${precisions[@]}"; do
            out=$scratch/$round-$cpus-$precision
            seconds=$(timed_render "$out" "$precision" "$round" taskset -c "$cpus")
            times[$cpus-$precision]+="$seconds "
            printf 'round %d CPUs %s %s %.2f s\n' "$round" "$cpus" "$precision" "$seconds"
        done
    done
done
for precision in "${precisions[@]}"; do
    one=$(echo "${times[0-$precision]}" | median)
    two=$(echo "${times[0,1-$precision]}" | median)
    printf '%s: 1 CPU %.2f s (%.0f img/s), 2 CPUs %.2f s (%.0f img/s), 2-CPU speed-up %.2fx\n' "$precision" \
        "$one" "$(echo "$count / $one" | bc -l)" "$two" "$(echo "$count / $two" | bc -l)" "$(echo "$one / $two" | bc -l)"
done
