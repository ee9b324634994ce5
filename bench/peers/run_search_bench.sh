#!/bin/bash
# Runs the published search benchmarks: Doppel and the faiss peer back to back on the same .npy, so
# both see the same machine load. Usage:
#   bench/peers/run_search_bench.sh OUTDIR exact [FAISS_ROWS_D512]
#   bench/peers/run_search_bench.sh OUTDIR hnsw N [FAISS_N]
#   bench/peers/run_search_bench.sh OUTDIR ivf N [PEER_N]
#     Doppel IVF join at N (default options); then at PEER_N: Doppel IVF, Doppel HNSW and faiss HNSW
#     (both M=16, efConstruction=48, efSearch=48/64), and faiss IndexIVFFlat with Doppel's cell count
#     and nprobe = Doppel's average probes (rounded up), all on the same .npy files.
# Debian's faiss links the reference (netlib) BLAS, which makes its flat search ~5x slower; for a fair
# peer, unpack OpenBLAS without installing it and this script puts it first on the library path:
#   mkdir -p /tmp/openblas && cd /tmp/openblas && apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb root
set -euo pipefail
out=${1:?output folder for the .npy files}
what=${2:?exact, hnsw or ivf}
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
elif [[ $what == ivf ]]; then
  n=${3:?N}
  peer_n=${4:-$n}
  for m in $n $peer_n; do f="$out/face-like-$m-d128.npy"; [[ -f $f ]] || $bench gen "$m" 128 1 "$f"; done
  echo "-- $(uptime)"
  $bench ivf "$out/face-like-$n-d128.npy" 0.5 auto 256 0.2 2000 2 | tee "$out/ivf-$n.log"
  fp="$out/face-like-$peer_n-d128.npy"
  if [[ $peer_n != "$n" ]]; then echo "-- $(uptime)"; $bench ivf "$fp" 0.5 auto 256 0.2 2000 2 | tee "$out/ivf-$peer_n.log"; fi
  cells=$(grep -o 'cells=[0-9]*' "$out/ivf-$peer_n.log" | cut -d= -f2)
  probes=$(grep -o 'avg probes [0-9.]*' "$out/ivf-$peer_n.log" | awk '{print int($3) + 1}')
  echo "-- $(uptime)"
  $peer ivf "$fp" 0.5 "$cells" "$probes" 64 2000 2
  echo "-- $(uptime)"
  $bench hnsw "$fp" 0.5 16 48 48 2000 16
  echo "-- $(uptime)"
  $peer hnsw "$fp" 0.5 16 48 48 64 2000 2
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
