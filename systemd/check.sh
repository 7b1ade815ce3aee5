#!/usr/bin/env bash
# Checks the kacd units: `systemd-analyze verify` must print nothing, and the offline security
# exposure of each unit must be at most THRESHOLD (default 1.0 on systemd's 0–10 scale; the units
# score 0.2 on systemd 252). Installs systemd-analyze when missing (apt), or fails saying so.
# Then runs install.sh into a scratch root with the built binaries (KAC_BINARIES, default
# ../.build/release) and checks what it installed: files, the spool mode every text agrees on,
# `kacd --version`, and that the installed kacd accepts the installed kacd.conf. Last, restrictions.sh
# renders jobs with the built kacd under the unit's restrictions, emulated without systemd.
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
    grep -q '^RestartPreventExitStatus=78$' "$unit" || { echo "check.sh: FAILED: $unit lacks RestartPreventExitStatus=78" >&2; status=1; }
    # oneDNN generates its kernels at run time; this setting makes every bf16 and auto job fail.
    grep -q '^MemoryDenyWriteExecute=yes' "$unit" && { echo "check.sh: FAILED: $unit sets MemoryDenyWriteExecute=yes, which stops bf16 (see the comment in the unit)" >&2; status=1; }
    grep -q '^ExecStart=/usr/local/bin/kacd --config /etc/kac/kacd.conf' "$unit" \
        || { echo "check.sh: FAILED: $unit does not run kacd with --config /etc/kac/kacd.conf" >&2; status=1; }
done

# One spool mode everywhere: the install script's, in the units' comments, systemd/README.md and the
# operator's page (docs/operating.md), which must state it.
mode="$(sed -n 's/^SPOOL_MODE=//p' install.sh)"
others="$(grep -HnoE '(mode |-m )27[0-9]{2}' kacd.service kacd@.service README.md ../docs/operating.md | grep -v -- "$mode" || true)"
if [ -z "$mode" ] || [ -n "$others" ]; then
    echo "check.sh: FAILED: the spool mode is $mode in install.sh but otherwise here:" >&2
    echo "$others" >&2
    status=1
fi
grep -qE "mode $mode\b" ../docs/operating.md \
    || { echo "check.sh: FAILED: docs/operating.md does not give the spool mode $mode that install.sh sets" >&2; status=1; }

binaries="${KAC_BINARIES:-../.build/release}"
if [ ! -x "$binaries/kacd" ] || [ ! -x "$binaries/kac" ]; then
    echo "check.sh: FAILED: no built kac and kacd in $binaries for the install check; run swift build -c release first (or set KAC_BINARIES)" >&2
    exit 1
fi
root="$work/root"
fail() { echo "check.sh: FAILED: install.sh --root: $*" >&2; status=1; }
if ! bash ./install.sh --root "$root" --binaries "$binaries" >"$work/install.log" 2>&1; then
    fail "it failed:"; cat "$work/install.log" >&2
else
    for file in usr/local/bin/kac usr/local/bin/kacd etc/kac/kacd.conf etc/systemd/system/kacd.service \
        etc/systemd/system/kacd@.service usr/local/share/doc/kac/spool/README.md usr/local/share/doc/kac/docs/operating.md \
        var/lib/kac/zoo/zoo.json; do
        [ -e "$root/$file" ] || fail "/$file is missing"
    done
    [ "$(stat -c %a "$root/var/spool/kac")" = "$mode" ] || fail "/var/spool/kac has mode $(stat -c %a "$root/var/spool/kac"), not $mode"
    cmp -s kacd.service "$root/etc/systemd/system/kacd.service" || fail "the installed kacd.service differs from the shipped one"
    "$root/usr/local/bin/kacd" --version | head -n 1 | grep -qE '^kacd [0-9]+\.[0-9]+\.[0-9]+$' || fail "kacd --version does not start with kacd <version>"
    "$root/usr/local/bin/kac" --version | head -n 1 | grep -qE '^kac [0-9]+\.[0-9]+\.[0-9]+$' || fail "kac --version does not start with kac <version>"
    printed="$("$root/usr/local/bin/kacd" --config "$root/etc/kac/kacd.conf" --print-config)" || fail "kacd rejects the installed kacd.conf"
    grep -qx 'spool = /var/spool/kac' <<<"$printed" || fail "kacd --print-config does not show spool = /var/spool/kac"
    # A reinstall over an unedited configuration leaves no kacd.conf.dist; one over an edited one keeps it.
    bash ./install.sh --root "$root" --binaries "$binaries" >>"$work/install.log" 2>&1 || fail "a second run failed"
    [ -e "$root/etc/kac/kacd.conf.dist" ] && fail "a reinstall over the unedited kacd.conf wrote a kacd.conf.dist identical to it"
    bash ./install.sh --help | grep -q 'set -euo' && fail "install.sh --help prints script code"
    echo "max-count = 64" >>"$root/etc/kac/kacd.conf"
    bash ./install.sh --root "$root" --binaries "$binaries" >>"$work/install.log" 2>&1 || fail "a second run failed"
    grep -qx 'max-count = 64' "$root/etc/kac/kacd.conf" || fail "a second run replaced the edited kacd.conf"
    cmp -s kacd.conf "$root/etc/kac/kacd.conf.dist" || fail "a reinstall over an edited kacd.conf did not put the shipped one beside it"
    [ "$status" -eq 0 ] && echo "check.sh: install.sh --root installs binaries, units, kacd.conf (kept on reinstall), spool mode $mode and the zoo"
fi
# The built kacd under the unit's restrictions (emulated; restrictions.sh says which).
KAC_BINARIES="$binaries" bash ./restrictions.sh || status=1
exit "$status"
