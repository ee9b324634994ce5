#!/usr/bin/env bash
# Issue 9's whole-set check: doppel dedup of IMAGES (default the LFW dev images) from the folder and from an Azurite
# container holding the same files (Azurite started on 127.0.0.1 by the bench, files uploaded first, not timed), each
# into its own SQLite catalog; prints both wall times and whether the findings are identical (exit 1 if not).
# usage: bash bench/run_blob_bench.sh [IMAGES_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
dotnet build -c Release src/Doppel.Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Doppel.Storage.Bench -nologo -v quiet >/dev/null
exec dotnet bench/Doppel.Storage.Bench/bin/Release/net10.0/Doppel.Storage.Bench.dll blob "$images"
