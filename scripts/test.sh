#!/usr/bin/env bash
# The test command: installs what is missing, builds in release (the numeric tests need optimised
# code and the end-to-end tests run the built `kac` and `kacd`), runs every test, and checks the
# systemd units (systemd-analyze verify + offline security score).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release
swift test -c release
bash systemd/check.sh
