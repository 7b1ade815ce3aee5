#!/usr/bin/env bash
# Checks the kacd units: `systemd-analyze verify` must print nothing, and the offline security
# exposure of each unit must be at most THRESHOLD (default 1.0 on systemd's 0–10 scale; the units
# score 0.2 on systemd 252). Installs systemd-analyze when missing (apt), or fails saying so.
#
# verify insists that ExecStart's binary exists, and /usr/local/bin/kacd usually does not on a
# build machine, so each unit is verified as a copy in a temporary directory whose ExecStart
# points at /bin/true; everything else is byte-for-byte the shipped unit. The template is checked
# as the instance kacd@check.service.
set -euo pipefail
cd "$(dirname "$0")"
THRESHOLD="${THRESHOLD:-1.0}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check.sh: systemd-analyze not found; installing the systemd package" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null; }; then
        echo "check.sh: FAILED: could not install systemd (needed for systemd-analyze); install it and rerun" >&2
        exit 2
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for unit in kacd.service kacd@.service; do
    [ -f "$unit" ] || { echo "check.sh: FAILED: $unit is missing" >&2; exit 1; }
    name="${unit/@./@check.}"
    sed 's|^ExecStart=/usr/local/bin/kacd |ExecStart=/bin/true |' "$unit" > "$work/$name"
    grep -q '^ExecStart=/bin/true ' "$work/$name" || { echo "check.sh: FAILED: $unit has no ExecStart=/usr/local/bin/kacd" >&2; exit 1; }

    verify_output="$(cd "$work" && systemd-analyze verify --man=no "./$name" 2>&1)" && verify_rc=0 || verify_rc=$?
    verified="verify clean"
    if [ "$verify_rc" -ne 0 ] || [ -n "$verify_output" ]; then
        verified="VERIFY FAILED"
        echo "check.sh: FAILED: systemd-analyze verify $unit (exit $verify_rc):" >&2
        echo "$verify_output" >&2
        status=1
    fi

    security_output="$(cd "$work" && systemd-analyze security --offline=true --no-pager "./$name" 2>&1)" || true
    exposure="$(printf '%s\n' "$security_output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' | tail -n 1)"
    if [ -z "$exposure" ]; then
        echo "check.sh: FAILED: no exposure level in systemd-analyze security output for $unit:" >&2
        echo "$security_output" >&2
        status=1
    elif awk -v e="$exposure" -v t="$THRESHOLD" 'BEGIN { exit !(e > t) }'; then
        echo "check.sh: FAILED: $unit exposure $exposure is above the threshold $THRESHOLD:" >&2
        printf '%s\n' "$security_output" | grep '✗' >&2 || true
        status=1
    else
        echo "check.sh: $unit $verified, exposure $exposure (threshold $THRESHOLD)"
    fi
done
exit "$status"
