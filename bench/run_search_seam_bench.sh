#!/usr/bin/env bash
# The exact path through IVectorSearch against the direct ExactJoin calls it replaced (issue 9's
# "one vector-search seam"): 100k face-like 128-d vectors, threshold 0.5, 3 alternating rounds.
# A ratio near 1.00 means the seam adds nothing; pair and neighbour counts must be equal.
# About 2-3 minutes on a quiet 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/Doppel.Matching.Bench -v q -nologo > /dev/null
B="dotnet bench/Doppel.Matching.Bench/bin/Release/net10.0/Doppel.Matching.Bench.dll"
DATA="${TMPDIR:-/tmp}/doppel-seam-100k.npy"
[ -f "$DATA" ] || $B gen 100000 128 1 "$DATA"
$B seam "$DATA" 0.5 3 15
