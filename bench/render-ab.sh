#!/usr/bin/env bash
# Two builds of kac side by side: `kac render` of COUNT PNGs by build A and build B alternating for
# ROUNDS rounds (a fresh directory per render), then each build's median wall-clock seconds, images/s
# and CPU milliseconds per image (user + system, whole process, in 10 ms steps), and B against A. For measuring a
# change before and after in one run on a shared machine.
#   KAC_A=old/kac KAC_B=new/kac [PRECISION=bf16] bench/render-ab.sh MODEL STEPS GUIDANCE [COUNT=1000] [ROUNDS=3]
# CPUS (a taskset list) pins both; BATCH sets --batch-size. Uses the repo's zoo.
source "$(dirname "$0")/render-common.sh"
: "${KAC_A:?KAC_A=path of build A's kac}" "${KAC_B:?KAC_B=path of build B's kac}"
precision=${PRECISION:-bf16}
pin=()
[ -n "${CPUS:-}" ] && pin=(taskset -c "$CPUS")
echo "model $model, $steps steps, guidance $guidance, $precision, $count images, $rounds rounds, CPUs ${CPUS:-all};" \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; scratch $(df --output=fstype "$scratch" | tail -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: $KAC_A"
echo "B: $KAC_B"
declare -A walls cpus
for round in $(seq "$rounds"); do
    for build in A B; do
        binary=KAC_$build
        out=$scratch/$build-$round
        start=$(date +%s.%N)
        /usr/bin/time -o "$scratch/time" -f '%U %S' "${pin[@]}" "${!binary}" render --zoo "$here/zoo" --model "$model" \
            --steps "$steps" --guidance "$guidance" --count "$count" --seed "$round" --precision "$precision" \
            ${BATCH:+--batch-size "$BATCH"} --out "$out" > /dev/null 2>&1
        wall=$(echo "$(date +%s.%N) - $start" | bc -l)
        read -r user system < "$scratch/time"
        walls[$build]+="$wall "
        cpus[$build]+="$(echo "1000 * ($user + $system) / $count" | bc -l) "
        printf 'round %d %s %.3f s, %.3f CPU ms/image\n' "$round" "$build" "$wall" "$(echo "1000 * ($user + $system) / $count" | bc -l)"
    done
done
for build in A B; do
    wall=$(echo "${walls[$build]}" | median) cpu=$(echo "${cpus[$build]}" | median)
    printf 'median %s %.3f s (%.0f img/s), %.3f CPU ms/image\n' "$build" "$wall" "$(echo "$count / $wall" | bc -l)" "$cpu"
done
printf 'B / A: %.3fx images/s, CPU per image %+.3f ms\n' \
    "$(echo "$(echo "${walls[A]}" | median) / $(echo "${walls[B]}" | median)" | bc -l)" \
    "$(echo "$(echo "${cpus[B]}" | median) - $(echo "${cpus[A]}" | median)" | bc -l)"
