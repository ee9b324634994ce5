#!/usr/bin/env bash
# Issue 10 §4's "processing unaffected", measured the way a server is deployed (issue 11): `doppel serve` on PostgreSQL
# answers the clients while its sets are processed by a `doppel worker` process. MODE pinned (default) gives the worker
# core 1 to itself, standing in for a worker machine, and puts PostgreSQL, the service and the clients (their own
# process, as real clients would be) on core 0; MODE shared lets every process use both cores, as on one small box.
# Each background set has PROCESS images the catalogue has not seen; the order is alone, loaded, loaded, alone (ABBA),
# loaded = 32 clients offering RATE requests/s (registrations and findings pages alternating, latency from when each
# was due). Prints each set's processing time and the clients' p50/p95/p99, with the time and load.
# usage: bash bench/run_service_isolation_bench.sh [IMAGES_DIR] [MODE pinned|shared] [RATE (default 600)] [PROCESS (default 800)]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
mode=${2:-pinned}
rate=${3:-600}
process=${4:-800}
dotnet build -c Release src/Doppel.Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Doppel.Service.Bench -nologo -v quiet >/dev/null
doppel="dotnet $PWD/src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
bench="dotnet $PWD/bench/Doppel.Service.Bench/bin/Release/net10.0/Doppel.Service.Bench.dll"
if [ "$mode" = pinned ]; then front="taskset -c 0"; back="taskset -c 1"; else front=""; back=""; fi
work=$(mktemp -d /tmp/doppel-isolation-bench.XXXXXX)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
as_pg "$pg_bin/initdb" -D "$work/pg" -U doppel --auth=trust --no-sync >/dev/null
as_pg $front "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U doppel bench
db="postgres://doppel@127.0.0.1:$port/bench"
$doppel tenants add bench --db "$db" >/dev/null
token=$($doppel tokens add --tenant bench --scope write --db "$db" 2>/dev/null)
sport=$(free_port)
$front $doppel serve --db "$db" --media "$images" --urls "http://127.0.0.1:$sport" >"$work/serve.log" 2>&1 &
pids+=($!)
$back $doppel worker --db "$db" >"$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null && break; sleep 1; done
echo "mode $mode, $rate requests/s offered, background sets of $process images; $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
offset=$process
for phase in alone loaded loaded alone; do
  if [ "$phase" = alone ]; then
    line=$($front $bench "$images" --url "http://127.0.0.1:$sport" --token "$token" --clients 0 --process "$process" --offset "$offset" | tail -1)
  else
    out=$($front $bench "$images" --url "http://127.0.0.1:$sport" --token "$token" --clients 32 --images 5000 --process "$process" --offset "$offset" --seconds 120 --rate "$rate")
    echo "$out" | grep -E "requests/s|p95"
    line=$(echo "$out" | tail -1)
  fi
  echo "$phase ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1 /proc/loadavg)): $line"
  offset=$((offset + process))
done
