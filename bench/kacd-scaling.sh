#!/usr/bin/env bash
# How kacd scales from one CPU to two on a stream of small jobs: JOBS jobs of IMAGES images each
# (MODEL, PRECISION) queued in a fresh spool, then drained by `kacd --once` three ways, alternating
# for ROUNDS rounds so slow drifts of the machine's load hit all of them:
#   1cpu    one kacd pinned to CPU 0 (taskset -c 0; it takes 1 thread from its affinity, 1 worker)
#   2cpu    one kacd on CPUs 0,1, one job at a time (--workers 1: 2 threads, the network's layers split over both)
#   2cpu-2w one kacd on CPUs 0,1, two jobs at once (--workers 2, the default there: 1 thread each)
#   2x1cpu  two kacd on the same spool, one pinned to CPU 0 and one to CPU 1, 1 thread each
# then the median seconds of each (from the first kacd's start to the last one's exit) and the
# speed-ups over 1cpu. Every job's images are checked to be in done/ after each drain. CONFIGS
# (default "1cpu 2cpu 2cpu-2w 2x1cpu") picks the configurations; 1cpu is always measured first.
#   bench/kacd-scaling.sh [JOBS=200] [IMAGES=4] [ROUNDS=3]
# MODEL (default fashion-mnist/student-1) and PRECISION (default fp32; bf16 needs AVX512_BF16) may
# be set in the environment. Uses .build/release/kac and kacd (or $KAC, $KACD) and the repo's zoo;
# spools go to a temporary directory removed at the end. Exit: 0 measured, 66 no binaries, 70 a
# drain left jobs unfinished (its kacd logs are printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jobs=${1:-200} images=${2:-4} rounds=${3:-3}
model=${MODEL:-fashion-mnist/student-1} precision=${PRECISION:-fp32}
kac=${KAC:-$here/.build/release/kac}
kacd=${KACD:-$(dirname "$kac")/kacd}
[ -x "$kac" ] && [ -x "$kacd" ] || { echo "kacd-scaling.sh: no kac/kacd at $kac, $kacd; run swift build -c release first" >&2; exit 66; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# queue SPOOL: a fresh spool holding $jobs jobs, each written to tmp/ and renamed into new/.
queue() {
    local spool=$1 i
    mkdir -p "$spool"
    "$kac" submit --spool "$spool" --create --zoo "$here/zoo" --model "$model" --count "$images" --id warm-up-job > /dev/null
    rm -f "$spool/new/warm-up-job.json"
    for i in $(seq -w 1 "$jobs"); do
        printf '{"schema": 1, "model": "%s", "count": %d, "seed": %d, "precision": "%s"}\n' \
            "$model" "$images" "$((10#$i))" "$precision" > "$spool/tmp/job-$i.json"
        mv "$spool/tmp/job-$i.json" "$spool/new/job-$i.json"
    done
}

# drain CONFIG SPOOL: seconds for kacd --once to empty SPOOL in configuration CONFIG.
drain() {
    local config=$1 spool=$2 start end done
    local common=(--spool "$spool" --zoo "$here/zoo" --once --poll-interval 0.05 --log-level warning)
    start=$(date +%s.%N)
    case $config in
        1cpu) taskset -c 0 "$kacd" "${common[@]}" 2> "$spool.log" ;;
        2cpu) taskset -c 0,1 "$kacd" "${common[@]}" --workers 1 2> "$spool.log" ;;
        2cpu-2w) taskset -c 0,1 "$kacd" "${common[@]}" --workers 2 2> "$spool.log" ;;
        2x1cpu)
            taskset -c 0 "$kacd" "${common[@]}" --worker-id bench-a 2> "$spool.log" &
            local first=$!
            taskset -c 1 "$kacd" "${common[@]}" --worker-id bench-b 2>> "$spool.log" &
            wait "$first" $!
            ;;
    esac
    end=$(date +%s.%N)
    done=$(find "$spool/done" -name '*.json' | wc -l)
    if [ "$done" -ne "$jobs" ]; then
        echo "kacd-scaling.sh: $config finished $done of $jobs jobs; its log:" >&2
        cat "$spool.log" >&2
        exit 70
    fi
    echo "$end - $start" | bc -l
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "$jobs jobs of $images images ($model, $precision), $rounds rounds; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset};" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A times
read -r -a configs <<< "1cpu ${CONFIGS:-2cpu 2cpu-2w 2x1cpu}"
configs=(1cpu $(printf '%s\n' "${configs[@]:1}" | grep -vx 1cpu || true))
for round in $(seq "$rounds"); do
    for config in "${configs[@]}"; do
        spool=$scratch/$round-$config
        queue "$spool"
        seconds=$(drain "$config" "$spool")
        times[$config]+="$seconds "
        printf 'round %d %-7s %.2f s (%.1f jobs/s)\n' "$round" "$config" "$seconds" "$(echo "$jobs / $seconds" | bc -l)"
    done
done
one=$(echo "${times[1cpu]}" | median)
for config in "${configs[@]}"; do
    t=$(echo "${times[$config]}" | median)
    printf 'median %-7s %.2f s (%.1f jobs/s, %.0f img/s), speed-up over 1cpu %.2fx\n' "$config" "$t" \
        "$(echo "$jobs / $t" | bc -l)" "$(echo "$jobs * $images / $t" | bc -l)" "$(echo "$one / $t" | bc -l)"
done
