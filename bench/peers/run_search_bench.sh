#!/bin/bash
# Runs the published search benchmarks: Doppel and the faiss peer back to back on the same .npy, so
# both see the same machine load. Usage:
#   bench/peers/run_search_bench.sh OUTDIR exact [FAISS_ROWS_D512]
#   bench/peers/run_search_bench.sh OUTDIR hnsw N [FAISS_N]
# Debian's faiss links the reference (netlib) BLAS, which makes its flat search ~5x slower; for a fair
# peer, unpack OpenBLAS without installing it and this script puts it first on the library path:
#   mkdir -p /tmp/openblas && cd /tmp/openblas && apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb root
set -euo pipefail
out=${1:?output folder for the .npy files}
what=${2:?exact or hnsw}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
openblas=/tmp/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread
if [[ -f $openblas/libblas.so.3 ]]; then export LD_LIBRARY_PATH=$openblas; echo "faiss BLAS: OpenBLAS 0.3.21 (pthread)"; else echo "faiss BLAS: system (netlib reference)"; fi
dotnet build -c Release "$root/bench/Doppel.Matching.Bench" -v q -nologo | grep -E " error |warn" || true
bench="dotnet $root/bench/Doppel.Matching.Bench/bin/Release/net10.0/Doppel.Matching.Bench.dll"
peer="/usr/bin/python3 $root/bench/peers/faiss_join.py"
echo "== start $(date -u +%H:%M:%S) | $(uptime)"
if [[ $what == exact ]]; then
  rows512=${3:-100000}
  for d in 128 512; do
    f="$out/face-like-100000-d$d.npy"
    [[ -f $f ]] || $bench gen 100000 $d 1 "$f"
    echo "-- $(uptime)"
    $bench exact "$f" 0.5 2
    if [[ $d == 512 && $rows512 != 100000 ]]; then
      $bench exact "$f" 0.5 2 "$rows512"
      $peer exact "$f" 0.5 2 "$rows512"
    else
      $peer exact "$f" 0.5 2
    fi
  done
  echo "-- $(uptime)"
  $bench compact "$out/face-like-100000-d128.npy" 0.5
else
  n=${3:?N}
  faiss_n=${4:-$n}
  f="$out/face-like-$n-d128.npy"
  [[ -f $f ]] || $bench gen "$n" 128 1 "$f"
  echo "-- $(uptime)"
  $bench hnsw "$f" 0.5 16 48 48 2000 16
  fp="$out/face-like-$faiss_n-d128.npy"
  [[ -f $fp ]] || $bench gen "$faiss_n" 128 1 "$fp"
  if [[ $faiss_n != "$n" ]]; then echo "-- $(uptime)"; $bench hnsw "$fp" 0.5 16 48 48 2000 16; fi
  echo "-- $(uptime)"
  $peer hnsw "$fp" 0.5 16 48 48 64 2000 2
fi
echo "== end $(date -u +%H:%M:%S) | $(uptime)"
