#!/usr/bin/env bash
# Runs the built doppel CLI (Release build from scripts/setup.sh); builds it first if missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dll="$here/src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
[ -f "$dll" ] || dotnet build -c Release "$here/src/Doppel.Cli" -nologo -v quiet >&2
exec dotnet "$dll" "$@"
