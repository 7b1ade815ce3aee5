#!/usr/bin/env bash
# Installs kac and kacd as a systemd service: the binaries in /usr/local/bin, the units in
# /etc/systemd/system, the settings in /etc/kac/kacd.conf (an existing file is kept), the system
# user and group kac, the spool /var/spool/kac (kac:kac, mode 2770) and the model zoo
# /var/lib/kac/zoo (root-owned, read-only to kac; an existing zoo is kept), the docs the units
# name in /usr/local/share/doc/kac. Running it again upgrades the binaries and units in place.
#
#   systemd/install.sh [--root DIR] [--binaries DIR] [--zoo DIR]
#
#   --root DIR      install below DIR instead of / (a scratch root for checks or packaging). Below
#                   any root other than /, no user is created, nothing is chowned and systemctl is
#                   not called; the modes are the same.
#   --binaries DIR  take kac and kacd from DIR instead of building them. Without it the script runs
#                   `swift build -c release` with the git commit baked in (`kacd --version`);
#                   binaries built any other way report the commit as "unknown".
#   --zoo DIR       the zoo to copy when none is installed yet (default: the repository's zoo/).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root=/
binaries=""
zoo="$repo/zoo"
SPOOL_MODE=2770

while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="${2:?--root needs a directory}"; shift 2 ;;
        --binaries) binaries="${2:?--binaries needs a directory}"; shift 2 ;;
        --zoo) zoo="${2:?--zoo needs a directory}"; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done
mkdir -p "$root"
root="$(cd "$root" && pwd)"
system=false
[ "$root" = / ] && system=true
if $system && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: installing into / needs root; run it with sudo (or use --root DIR)" >&2
    exit 77
fi
prefix="${root%/}"

if [ -z "$binaries" ]; then
    commit="unknown"
    if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
        commit="$(git -C "$repo" rev-parse --short=12 HEAD)"
        git -C "$repo" diff --quiet HEAD -- || commit="$commit-dirty"
    fi
    echo "install.sh: building release binaries of commit $commit"
    (cd "$repo" && swift build -c release -Xcc "-DKAC_COMMIT=\"$commit\"")
    binaries="$repo/.build/release"
fi
for tool in kac kacd; do
    [ -x "$binaries/$tool" ] || { echo "install.sh: $binaries/$tool is missing; build it or pass --binaries DIR" >&2; exit 66; }
done
[ -f "$zoo/zoo.json" ] || { echo "install.sh: $zoo is not a model zoo (no zoo.json); pass --zoo DIR" >&2; exit 66; }

install -d -m 755 "$prefix/usr/local/bin" "$prefix/etc/kac" "$prefix/etc/systemd/system" \
    "$prefix/usr/local/share/doc/kac/spool" "$prefix/var/lib/kac"
install -m 755 "$binaries/kac" "$binaries/kacd" "$prefix/usr/local/bin/"
install -m 644 "$repo/systemd/kacd.service" "$repo/systemd/kacd@.service" "$prefix/etc/systemd/system/"
install -d -m 755 "$prefix/usr/local/share/doc/kac/systemd"
install -m 644 "$repo/README.md" "$prefix/usr/local/share/doc/kac/"
install -d -m 755 "$prefix/usr/local/share/doc/kac/docs"
install -m 644 "$repo"/docs/*.md "$prefix/usr/local/share/doc/kac/docs/"
install -m 644 "$repo/systemd/README.md" "$prefix/usr/local/share/doc/kac/systemd/"
install -m 644 "$repo/spool/README.md" "$repo/spool/job.schema.json" "$prefix/usr/local/share/doc/kac/spool/"
if [ -e "$prefix/etc/kac/kacd.conf" ]; then
    # An edited file is kept and the shipped one put beside it to compare; an unedited one needs neither.
    if cmp -s "$repo/systemd/kacd.conf" "$prefix/etc/kac/kacd.conf"; then
        rm -f "$prefix/etc/kac/kacd.conf.dist"
    else
        install -m 644 "$repo/systemd/kacd.conf" "$prefix/etc/kac/kacd.conf.dist"
        echo "install.sh: kept your edited $prefix/etc/kac/kacd.conf; the shipped one is kacd.conf.dist beside it (diff them)"
    fi
else
    install -m 644 "$repo/systemd/kacd.conf" "$prefix/etc/kac/kacd.conf"
fi

if $system && ! getent passwd kac >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/kac --no-create-home --shell /usr/sbin/nologin kac
fi
install -d -m "$SPOOL_MODE" "$prefix/var/spool/kac"
chmod "$SPOOL_MODE" "$prefix/var/spool/kac"  # install -d leaves an existing directory's mode alone
if $system; then chown kac:kac /var/spool/kac; fi
if [ ! -e "$prefix/var/lib/kac/zoo" ]; then
    cp -R "$zoo" "$prefix/var/lib/kac/zoo"
    find "$prefix/var/lib/kac/zoo" -name .lock -delete
    rm -rf "$prefix/var/lib/kac/zoo/tmp"
    chmod -R u=rwX,go=rX "$prefix/var/lib/kac/zoo"
fi

# The installed binary must accept the installed settings (exit 78 and one line if not).
"$prefix/usr/local/bin/kacd" --config "$prefix/etc/kac/kacd.conf" --print-config >/dev/null

if $system && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "install.sh: installed $("$prefix/usr/local/bin/kacd" --version | head -n 1) into $root"
echo "install.sh: start it with: systemctl enable --now kacd   (or kacd@1 kacd@2 ... for several workers)"
