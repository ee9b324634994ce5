#!/usr/bin/env bash
# CPU the REST service spends per request (docs/benchmarks.md, "CPU per request"): `doppel serve` on a fresh SQLite
# catalog, the service bench's clients in their own process paced at RATE requests/s (registrations and findings pages of
# a processed 200-image set, alternating; no set processes during the window), and the service's user+system CPU ticks
# (/proc/PID/stat, 100 per second) over the clients' window. Extra environment (e.g. DOTNET_ThreadPool_* knobs) reaches
# the service.
# usage: bash bench/run_service_cpu_bench.sh [IMAGES_DIR] [RATE (default 600)] [REQUESTS/2 (default 5000)]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
rate=${2:-600}
count=${3:-5000}
dotnet build -c Release src/Doppel.Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Doppel.Service.Bench -nologo -v quiet >/dev/null
doppel="dotnet $PWD/src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
bench="dotnet $PWD/bench/Doppel.Service.Bench/bin/Release/net10.0/Doppel.Service.Bench.dll"
work=$(mktemp -d /tmp/doppel-cpu-bench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
$doppel tenants add bench --db "$work/s.db" >/dev/null
token=$($doppel tokens add --tenant bench --scope write --db "$work/s.db" 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$doppel serve --db "$work/s.db" --media "$images" --urls "http://127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
echo "$(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
# --offset past the images: the background set is empty, so only requests run in the window.
$bench "$images" --url "http://127.0.0.1:$port" --token "$token" --clients 32 --images "$count" --process 200 --offset 1000000 --rate "$rate" --seconds 120 >"$work/bench.log" &
clients=$!
until grep -q '^Load:' "$work/bench.log"; do sleep 0.2; done
t0=$(ticks)
wait "$clients"
t1=$(ticks)
grep -E "requests/s|p95" "$work/bench.log"
requests=$(grep -oE '[0-9]+ requests in' "$work/bench.log" | grep -oE '^[0-9]+')
echo "service CPU: $((t1 - t0)) ticks for $requests requests, $(echo "scale=3; ($t1 - $t0) * 10 / $requests" | bc) ms per request"
