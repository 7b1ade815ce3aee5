#!/usr/bin/env bash
# The test command: installs what is missing, builds in release (the numeric tests need optimised
# code) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release
swift test -c release
