#!/usr/bin/env bash
# Issue 10 §4's load goal (p95 <= 50 ms for registrations and findings pages at >= 500 requests/s while a set
# processes, processing not slowed much): the service bench with 32 clients, then the same background set with no
# clients in the same minutes (the peer), each ROUNDS times alternating; then the goal's own point: the same clients
# paced at RATE requests/s offered (default 600; latency counted from when each request was due), again beside the
# set alone. Bounded: each loaded run stops at SECONDS.
# usage: bash bench/run_service_bench.sh [IMAGES_DIR] [ROUNDS (default 2)] [SECONDS (default 120)] [RATE (default 600)]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
rounds=${2:-2}
seconds=${3:-120}
rate=${4:-600}
dotnet build -c Release bench/Doppel.Service.Bench -nologo -v quiet >/dev/null
bench="dotnet $PWD/bench/Doppel.Service.Bench/bin/Release/net10.0/Doppel.Service.Bench.dll"
for round in $(seq 1 "$rounds"); do
  echo "== round $round, $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  $bench "$images" --clients 32 --images 5000 --process 1000 --seconds "$seconds"
  echo "-- the background set alone, $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  $bench "$images" --clients 0 --images 5000 --process 1000 | tail -1
done
for round in $(seq 1 "$rounds"); do
  echo "== paced round $round, $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  $bench "$images" --clients 32 --images 5000 --process 1000 --seconds "$seconds" --rate "$rate"
  echo "-- the background set alone, $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  $bench "$images" --clients 0 --images 5000 --process 1000 | tail -1
done
