#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine with the .NET SDK and Node/npm: system packages,
# build, default models. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
dotnet build -c Release Doppel.slnx -nologo -v quiet
# YuNet (default since the detection cascade) is a checksummed URL file: take it from ../shared/models when there.
shared="${DOPPEL_SHARED:-$(cd "$(pwd)/.." && pwd)/shared}"
[ -d "$shared/models" ] && export DOPPEL_MODEL_MIRROR="${DOPPEL_MODEL_MIRROR:-$shared/models}"
dotnet src/Doppel.Cli/bin/Release/net10.0/doppel.dll models install
