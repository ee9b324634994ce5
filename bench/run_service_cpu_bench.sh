#!/usr/bin/env bash
# CPU the REST service spends per request (docs/benchmarks.md, "CPU per request"): `doppel serve` on a fresh SQLite
# catalog (ENGINE sqlite) or on a throw-away PostgreSQL cluster this script starts (ENGINE postgres, sets processed
# in-process), the service bench's clients in their own process paced at RATE requests/s (registrations and findings pages of
# a processed 200-image set, alternating; no set processes during the window), and the service's user+system CPU ticks
# (/proc/PID/stat, 100 per second) over the clients' window, and with PostgreSQL its server processes' ticks too. Extra
# environment (e.g. DOTNET_ThreadPool_* knobs) reaches the service.
# usage: bash bench/run_service_cpu_bench.sh [IMAGES_DIR] [RATE (default 600)] [REQUESTS/2 (default 5000)] [ENGINE sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
rate=${2:-600}
count=${3:-5000}
engine=${4:-sqlite}
dotnet build -c Release src/Doppel.Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Doppel.Service.Bench -nologo -v quiet >/dev/null
doppel="dotnet $PWD/src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
bench="dotnet $PWD/bench/Doppel.Service.Bench/bin/Release/net10.0/Doppel.Service.Bench.dll"
work=$(mktemp -d /tmp/doppel-cpu-bench.XXXXXX)
pid=""
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ "$engine" = postgres ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
db="$work/s.db"
if [ "$engine" = postgres ]; then
  [ "$(id -u)" = 0 ] && chown postgres "$work"
  pg_port=$(free_port)
  as_pg "$pg_bin/initdb" -D "$work/pg" -U doppel --auth=trust --no-sync >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U doppel bench
  db="postgres://doppel@127.0.0.1:$pg_port/bench"
fi
$doppel tenants add bench --db "$db" >/dev/null
token=$($doppel tokens add --tenant bench --scope write --db "$db" 2>/dev/null)
port=$(free_port)
# --in-process: a PostgreSQL service would queue sets for workers; here the small findings set processes in the service.
serve_args=(--db "$db" --media "$images" --urls "http://127.0.0.1:$port")
[ "$engine" = postgres ] && serve_args+=(--in-process)
$doppel serve "${serve_args[@]}" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
# PostgreSQL's processes (postmaster and backends) of this cluster: their ticks summed.
pg_ticks() {
  [ "$engine" = postgres ] || { echo 0; return; }
  local total=0 p
  for p in $(pgrep -f -- "-D $work/pg" ; pgrep -P "$(pgrep -f -- "-D $work/pg" | head -1)"); do
    [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14+$15}' "/proc/$p/stat")))
  done
  echo "$total"
}
echo "$(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
# --offset past the images: the background set is empty, so only requests run in the window.
$bench "$images" --url "http://127.0.0.1:$port" --token "$token" --clients 32 --images "$count" --process 200 --offset 1000000 --rate "$rate" --seconds 120 >"$work/bench.log" &
clients=$!
until grep -q '^Load:' "$work/bench.log"; do sleep 0.2; done
t0=$(ticks); g0=$(pg_ticks)
wait "$clients"
t1=$(ticks); g1=$(pg_ticks)
grep -E "requests/s|p95" "$work/bench.log"
requests=$(grep -oE '[0-9]+ requests in' "$work/bench.log" | grep -oE '^[0-9]+')
echo "service CPU ($engine): $((t1 - t0)) ticks for $requests requests, $(echo "scale=3; ($t1 - $t0) * 10 / $requests" | bc) ms per request"
[ "$engine" = postgres ] && echo "PostgreSQL CPU: $((g1 - g0)) ticks, $(echo "scale=3; ($g1 - $g0) * 10 / $requests" | bc) ms per request (backends that ended in the window are not counted)"
true
