#!/bin/bash
# Runs the published search benchmarks: Doppel and the faiss peer back to back on the same .npy,
# so both see the same machine load. Usage: bench/peers/run_search_bench.sh OUTDIR [exact|hnsw|all] [N_HNSW]
set -euo pipefail
out=${1:?output folder for the .npy files}
what=${2:-all}
n_hnsw=${3:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
dotnet build -c Release "$root/bench/Doppel.Matching.Bench" -v q -nologo | grep -E "error|Warn" || true
bench="dotnet $root/bench/Doppel.Matching.Bench/bin/Release/net10.0/Doppel.Matching.Bench.dll"
peer="/usr/bin/python3 $root/bench/peers/faiss_join.py"
echo "== $(date -u) | $(uptime)"
if [[ $what == exact || $what == all ]]; then
  for d in 128 512; do
    f="$out/face-like-100k-d$d.npy"
    [[ -f $f ]] || $bench gen 100000 $d 1 "$f"
    echo "-- uptime: $(uptime)"
    $bench exact "$f" 0.5 2
    $peer exact "$f" 0.5 2
  done
  $bench compact "$out/face-like-100k-d128.npy" 0.5
fi
if [[ $what == hnsw || $what == all ]]; then
  f="$out/face-like-$n_hnsw-d128.npy"
  [[ -f $f ]] || $bench gen "$n_hnsw" 128 1 "$f"
  echo "-- uptime: $(uptime)"
  $bench hnsw "$f" 0.5 16 64 64 2000 16
  echo "-- uptime: $(uptime)"
  $peer hnsw "$f" 0.5 16 64 64 64 2000 2
fi
echo "== done $(date -u) | $(uptime)"
