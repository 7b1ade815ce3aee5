#!/usr/bin/env bash
# The README's main command: install the Debian packages, build in release, queue the example jobs
# of spool/examples/ with `kac submit`, render them with the models in zoo/ (`kacd --once`), and
# say where the images are. Safe to run again: jobs already done are kept, failed ones are retried.
# Override the directories with KAC_SPOOL=… KAC_ZOO=… (defaults: ./spool and ./zoo).
set -euo pipefail
cd "$(dirname "$0")/.."
spool="${KAC_SPOOL:-spool}"
zoo="${KAC_ZOO:-zoo}"

bash scripts/bootstrap.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)"

if [ ! -f "$zoo/zoo.json" ]; then
    echo "render-examples: there is no model store in $zoo/ (no zoo.json)." >&2
    echo "  The repository ships trained models in zoo/ (fashion-mnist/teacher); import one with" >&2
    echo "  $bin/kac zoo import FILE --zoo $zoo, or point KAC_ZOO at a zoo that has one ($bin/kac zoo list --zoo PATH)." >&2
    exit 1
fi

ids=()
for job in spool/examples/*.json; do
    id="example-$(basename "$job" .json)"
    ids+=("$id")
    if [ -e "$spool/done/$id.json" ]; then
        echo "render-examples: $id was rendered before; keeping it"
        continue
    fi
    if [ -e "$spool/failed/$id.json" ]; then
        echo "render-examples: retrying $id (it failed before: $(sed -n 's/.*"reason" : "\(.*\)",*$/\1/p' "$spool/failed/$id.error.json" | head -1))"
        rm -f "$spool/failed/$id.json" "$spool/failed/$id.error.json"
    fi
    if [ ! -e "$spool/new/$id.json" ] && [ ! -e "$spool/work/$id.json" ]; then
        "$bin/kac" submit "$job" --id "$id" --spool "$spool" --zoo "$zoo" --create >/dev/null
    fi
done

"$bin/kacd" --once --spool "$spool" --zoo "$zoo" --settle-period 0

echo
status=0
for id in "${ids[@]}"; do
    if [ -e "$spool/done/$id.json" ]; then
        count=$(find "$spool/out/$id" -maxdepth 1 -type f ! -name '.*' ! -name result.json | wc -l)
        echo "$id: $count files in $spool/out/$id/ (details in $spool/out/$id/result.json)"
    else
        echo "$id: FAILED — see $spool/failed/$id.error.json" >&2
        status=1
    fi
done
exit $status
