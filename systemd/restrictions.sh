#!/usr/bin/env bash
# Runs the built kacd under the restrictions of kacd.service that can be imposed without systemd,
# on a scratch spool with the repository's zoo, and checks what it renders (MemoryDenyWriteExecute=
# is imposed here too if the unit sets it — which would fail the bf16 job):
#   ProtectSystem=strict + ReadWritePaths=   a private mount namespace with / remounted read-only,
#                                            the spool bind-mounted read-write
#   ReadOnlyPaths= (the zoo)                 a read-only bind mount
#   PrivateNetwork=                          a new network namespace (unshare --net)
#   User=, CapabilityBoundingSet=, AmbientCapabilities=, NoNewPrivileges=
#                                            setpriv: uid/gid nobody, no capabilities, no_new_privs
#   UMask=0007                               umask
# An fp32 job and (on a CPU with AVX512_BF16) a bf16 job must complete. Then the setting the unit
# does not carry, MemoryDenyWriteExecute=yes, emulated with prctl(PR_SET_MDWE) (which is what it
# enforces where the kernel has it; systemd otherwise uses a seccomp filter refusing the same
# mprotect): kacd --precision bf16 must refuse to start (exit 78) naming the restriction, and an
# auto job must render in fp32. Not emulated: SystemCallFilter= (seccomp) and the Protect*= and
# Private{Devices,IPC,Users}= namespaces.
# Needs root, unshare, setpriv and perl (all in Debian's base system); without root it says so
# and exits 0, as it does where namespaces are not allowed. Usage: systemd/restrictions.sh [KAC_BINARIES=DIR] (default ../.build/release).
set -euo pipefail
cd "$(dirname "$0")"
binaries="$(cd "${KAC_BINARIES:-../.build/release}" && pwd)"
zoo="$(cd ../zoo && pwd)"
kacd="$binaries/kacd"
kac="$binaries/kac"
[ -x "$kacd" ] && [ -x "$kac" ] || { echo "restrictions.sh: FAILED: no built kac and kacd in $binaries" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
    echo "restrictions.sh: skipped: the namespaces and setpriv need root"
    exit 0
fi
for tool in unshare setpriv perl; do
    command -v "$tool" >/dev/null || { echo "restrictions.sh: FAILED: $tool not found (util-linux, perl-base)" >&2; exit 1; }
done
# A container without CAP_SYS_ADMIN cannot make the namespaces; say so rather than fail.
if ! unshare --mount --net -- sh -c 'mount --bind / /mnt && umount /mnt' >/dev/null 2>&1; then
    echo "restrictions.sh: skipped: this machine does not allow mount and network namespaces (unshare --mount --net)"
    exit 0
fi
bf16=false
grep -qw avx512_bf16 /proc/cpuinfo && bf16=true
# The first run imposes what kacd.service says; MemoryDenyWriteExecute= only if the unit sets it.
unit_mode=plain
grep -q '^MemoryDenyWriteExecute=yes' kacd.service && unit_mode=mdwe

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
status=0
fail() { echo "restrictions.sh: FAILED: $*" >&2; status=1; }

# kacd as the unit runs it, draining the spool once. $1: a mode word (plain or mdwe), then kacd's flags.
restricted() {
    local mode="$1"
    shift
    local mdwe=()
    # PR_SET_MDWE = 65, PR_MDWE_REFUSE_EXEC_GAIN = 1, SYS_prctl = 157 (x86-64); inherited across exec.
    [ "$mode" = mdwe ] && mdwe=(perl -e 'syscall(157, 65, 1, 0, 0, 0) == 0 or die "PR_SET_MDWE: $!\n"; exec @ARGV' --)
    unshare --mount --net -- sh -c '
        spool="$1"; zoo="$2"; shift 2
        mount --bind "$spool" "$spool" && mount --bind -o ro "$zoo" "$zoo" && mount -o remount,bind,ro / || exit 90
        umask 0007
        exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all -- "$@"
    ' sh "$spool" "$zoo" "${mdwe[@]}" "$kacd" --once --spool "$spool" --zoo "$zoo" --poll-interval 0.2 "$@"
}

submit() { "$kac" submit --create --spool "$spool" --zoo "$zoo" --model fashion-mnist/student-1 --count 2 --id "$1" --precision "$2" >/dev/null; }
result_precision() { sed -n 's/.*"precision" *: *"\([a-z0-9]*\)".*/\1/p' "$spool/out/$1/result.json" 2>/dev/null | head -n 1; }

spool="$work/spool"
submit plain-fp32 fp32
$bf16 && submit plain-bf16 bf16
chown -R 65534:65534 "$spool"
restricted "$unit_mode" >"$work/plain.log" 2>&1 || fail "kacd exited $? under the unit's restrictions:$(echo; cat "$work/plain.log")"
[ "$(result_precision plain-fp32)" = fp32 ] || fail "the fp32 job did not complete: $(ls "$spool"/*/ 2>/dev/null | tr '\n' ' ')"
if $bf16; then
    [ "$(result_precision plain-bf16)" = bf16 ] || fail "the bf16 job did not complete in bf16 under the unit's restrictions; kacd said:$(echo; cat "$work/plain.log")"
fi
[ "$status" -eq 0 ] && echo "restrictions.sh: kacd under the unit's restrictions rendered fp32$($bf16 && echo " and bf16") jobs"

if $bf16; then
    restricted mdwe --precision bf16 >"$work/mdwe-bf16.log" 2>&1 && code=0 || code=$?
    [ "$code" -eq 78 ] && grep -q "may not make memory executable" "$work/mdwe-bf16.log" \
        || fail "under MemoryDenyWriteExecute (PR_SET_MDWE), kacd --precision bf16 exited $code, not 78 with the reason:$(echo; cat "$work/mdwe-bf16.log")"
    submit mdwe-auto auto
    chown -R 65534:65534 "$spool"
    restricted mdwe --precision auto >"$work/mdwe-auto.log" 2>&1 || fail "kacd --precision auto failed under PR_SET_MDWE:$(echo; cat "$work/mdwe-auto.log")"
    [ "$(result_precision mdwe-auto)" = fp32 ] || fail "under PR_SET_MDWE an auto job did not render in fp32:$(echo; cat "$work/mdwe-auto.log")"
    grep -q "bf16 is unavailable" "$work/mdwe-auto.log" || fail "under PR_SET_MDWE kacd did not warn that bf16 is unavailable"
    [ "$status" -eq 0 ] && echo "restrictions.sh: with MemoryDenyWriteExecute emulated, kacd refuses --precision bf16 (exit 78) and renders auto jobs in fp32"
fi
exit "$status"
