#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine with the .NET SDK and Node/npm: system packages,
# build, default models. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
dotnet build -c Release Doppel.slnx -nologo -v quiet
dotnet src/Doppel.Cli/bin/Release/net10.0/doppel.dll models install
