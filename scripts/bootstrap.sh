#!/usr/bin/env bash
# Installs the Debian packages Kac needs (only those missing) — libvips, OpenBLAS, oneDNN (bf16), zstd, zlib and the
# Fashion-MNIST dataset — and the network file systems the shared-spool tests mount on loopback addresses
# (GlusterFS, sshfs with an OpenSSH server, rclone's FUSE mount). Safe to run again. Uses sudo when not root.
set -euo pipefail
packages=(libvips-dev libopenblas-dev libdnnl-dev libzstd-dev zlib1g-dev pkg-config dataset-fashion-mnist
    glusterfs-server glusterfs-client sshfs openssh-server rclone)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "bootstrap: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
