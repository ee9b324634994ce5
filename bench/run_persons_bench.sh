#!/usr/bin/env bash
# Persons on normalised scores (docs/benchmarks-clustering.md, "Persons on normalised scores"): the clustering's own
# time of `eval cluster` with the new default (average linkage on cohort-levelled cosine, levels included) against
# DBSCAN on raw cosine, on the same vectors in the same minutes, then `recluster` (levels + average linkage) and
# `recognize` (unchanged, incremental) on copies of one catalog. A few minutes on 2 cores.
# usage: bash bench/run_persons_bench.sh CATALOG.db   (a catalog of `doppel dedup ../shared/data/lfw-dev/images`)
set -euo pipefail
db=${1:?usage: run_persons_bench.sh CATALOG.db}
D="dotnet src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
L=../shared/data/lfw-dev/labels.csv
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
$D export embeddings --db "$db" --out "$tmp/lfw.npy" >/dev/null
sed -i 's#^.*/lfw-dev/##' "$tmp/lfw.ids.txt"
for run in 1 2; do
  for algorithm in average dbscan; do
    $D eval cluster --embeddings "$tmp/lfw.npy" --labels "$L" --algorithm $algorithm --json |
      python3 -c "import json,sys; r=json.load(sys.stdin); print(f\"eval cluster {r['algorithm']}: {r['seconds']} s, BCubed F {r['bcubed_f']:.3f}\")"
  done
done
for mode in recluster recognize; do
  cp "$db" "$tmp/c.db"
  start=$(date +%s.%N); $D $mode --db "$tmp/c.db" | tail -n 1; end=$(date +%s.%N)
  echo "$mode: $(python3 -c "print(round($end - $start, 2))") s wall (process start included)"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
