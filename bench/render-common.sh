# Sourced by bench/render-precision.sh and bench/render-scaling.sh: their arguments
# (MODEL STEPS GUIDANCE [COUNT=1000] [ROUNDS=3]), the kac binary, a scratch directory removed on
# exit, one timed render and the median of a list of seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=$1 steps=$2 guidance=$3 count=${4:-1000} rounds=${5:-3}
kac=${KAC:-$here/.build/release/kac}   # KAC: another build of kac
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# timed_render OUT PRECISION SEED [PREFIX...]: the wall-clock seconds of one `kac render` of the
# arguments' request into OUT, run under PREFIX (e.g. taskset -c 0); BATCH sets --batch-size.
timed_render() {
    local out=$1 precision=$2 seed=$3 start end
    shift 3
    start=$(date +%s.%N)
    "$@" "$kac" render --zoo "$here/zoo" --model "$model" --steps "$steps" --guidance "$guidance" --count "$count" \
        --seed "$seed" --precision "$precision" ${BATCH:+--batch-size "$BATCH"} --out "$out" > /dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
