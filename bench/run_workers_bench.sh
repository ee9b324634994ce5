#!/usr/bin/env bash
# Issue 11's scaling run: doppel dedup of the LFW dev images through 1, 2 and 4 `doppel worker` processes (each
# with its own copy of the model cache) on a PostgreSQL this script starts, against a single-process
# `doppel dedup` in the same minutes; then 1M synthetic vectors matched by 2 worker processes vs one process.
# Prints images/s, scaling efficiency (images/s with N workers / (N x images/s with 1)) and whether every run's
# findings.csv equals the single-process one.
# usage: bash bench/run_workers_bench.sh [IMAGES_DIR] [VECTORS (default 1000000)]
set -euo pipefail
cd "$(dirname "$0")/.."
images=$(realpath "${1:-../shared/data/lfw-dev/images}")
vectors=${2:-1000000}
dotnet build -c Release src/Doppel.Cli -nologo -v quiet >/dev/null
dotnet build -c Release bench/Doppel.Workers.Bench -nologo -v quiet >/dev/null
doppel="dotnet $PWD/src/Doppel.Cli/bin/Release/net10.0/doppel.dll"
work=$(mktemp -d /tmp/doppel-workers-bench.XXXXXX)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pg_bin/initdb" -D "$work/pg" -U doppel --auth=trust --no-sync >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
workers=()
cleanup() { for p in "${workers[@]}"; do kill "$p" 2>/dev/null || true; done; as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

start=$(date +%s.%N)
$doppel dedup "$images" --db "$work/single.db" --report "$work/single" >/dev/null 2>&1
single=$(echo "$(date +%s.%N) - $start" | bc)
count=$(find "$images" -name '*.jpg' | wc -l)
printf 'single process: %.1f s, %.1f images/s\n' "$single" "$(echo "$count / $single" | bc -l)"

for n in 1 2 4; do
  db="postgres://doppel@127.0.0.1:$port/w$n"
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U doppel "w$n"
  workers=()
  for i in $(seq 1 "$n"); do
    cache="$work/models-$n-$i"; cp -r "${DOPPEL_MODELS:-$HOME/.cache/doppel/models}" "$cache"
    DOPPEL_MODELS="$cache" $doppel worker --db "$db" --queues analyse=1,match=1,report=1 >"$work/worker-$n-$i.log" 2>&1 &
    workers+=($!)
  done
  start=$(date +%s.%N)
  $doppel dedup "$images" --db "$db" --distributed --report "$work/dist-$n" >/dev/null 2>"$work/follow-$n.log"
  took=$(echo "$(date +%s.%N) - $start" | bc)
  for p in "${workers[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  same=$(cmp -s "$work/single/findings.csv" "$work/dist-$n/findings.csv" && echo identical || echo DIFFERENT)
  rate=$(echo "$count / $took" | bc -l)
  [ "$n" = 1 ] && rate1=$rate
  printf '%d worker(s): %.1f s, %.1f images/s, efficiency %.2f, findings %s\n' "$n" "$took" "$rate" "$(echo "$rate / ($n * $rate1)" | bc -l)" "$same"
done

dotnet bench/Doppel.Workers.Bench/bin/Release/net10.0/Doppel.Workers.Bench.dll match "$vectors" 65536 2
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
