#!/usr/bin/env bash
# Clustering benchmarks of docs/benchmarks-clustering.md: Doppel vs scikit-learn DBSCAN and umap-learn
# on the same synthetic face-like .npy files. Writes JSON lines to out/bench/clustering.jsonl.
# usage: bash bench/peers/run_clustering_bench.sh [SIZES...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=out/bench
mkdir -p "$out"
log="$out/clustering.jsonl"
dotnet build -c Release bench/Doppel.Clustering.Bench -nologo -v quiet
bench() { dotnet bench/Doppel.Clustering.Bench/bin/Release/net10.0/Doppel.Clustering.Bench.dll "$@"; }
note() { echo "{\"note\": \"$1\", \"uptime\": \"$(uptime | sed 's/.*load average: //')\", \"utc\": \"$(date -u +%H:%M:%S)\"}" | tee -a "$log"; }
sizes=("${@:-10000 100000}")
eps=0.5; min_samples=2
for n in ${sizes[@]}; do
  bench generate "$n" 128 1 "$out" | tee -a "$log"
  note "dbscan $n start"
  repeats=$([ "$n" -le 10000 ] && echo 3 || echo 1)
  timeout "${SKLEARN_TIMEOUT:-1500}" /usr/bin/python3 bench/peers/cluster_dbscan.py "$out/synth-$n.npy" $eps $min_samples "$out/sklearn-$n.npy" "$repeats" | tee -a "$log"
  note "sklearn $n done"
  bench dbscan "$out/synth-$n.npy" $eps $min_samples "$out/sklearn-$n.npy" 3 | tee -a "$log"
  note "doppel $n done"
done
if [ -z "${SKIP_UMAP:-}" ]; then
  n=10000
  note "umap $n start"
  bench umap "$out/synth-$n.npy" "$out/doppel-umap-$n.npy" 2 15 0.1 200 1 | tee -a "$log"
  /usr/bin/python3 bench/peers/cluster_umap.py "$out/synth-$n.npy" "$out/umap-learn-$n.npy" 2 15 0.1 200 1 2000 "$out/doppel-umap-$n.npy" | tee -a "$log"
  bench trust "$out/synth-$n.npy" "$out/doppel-umap-$n.npy" 5 2000 | tee -a "$log"
  bench trust "$out/synth-$n.npy" "$out/umap-learn-$n.npy" 5 2000 | tee -a "$log"
  note "umap $n done"
  for algorithm in dbscan hdbscan incremental umap-dbscan; do
    e=$([ "$algorithm" = umap-dbscan ] && echo 0.1 || echo $eps)
    bench cluster "$out/synth-$n.npy" "$out/synth-$n.labels.csv" "$algorithm" "$e" $min_samples | tee -a "$log"
  done
  note "cluster quality $n done"
fi
