#!/usr/bin/env bash
# Planted-mislabel check for doppel curate on ORL (40 identities x 10 photos): photo 1 of identity s(i)
# is filed under s(i+1) for i = 1..N (default 10); counts how many plants are dropped as mislabelled and
# how many genuine photos are. Usage: bench/curate_planted.sh [N] [extra curate options...]
set -euo pipefail
N=${1:-10}; shift || true
DOPPEL=${DOPPEL:-src/Doppel.Cli/bin/Release/net10.0/doppel}
ORL=${ORL:-../shared/data/orl}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for d in "$ORL"/s*/; do id=$(basename "$d"); mkdir -p "$WORK/photos/$id"; cp "$d"*.pgm "$WORK/photos/$id/"; done
for i in $(seq 1 "$N"); do mv "$WORK/photos/s$i/1.pgm" "$WORK/photos/s$((i + 1))/planted-from-s$i.pgm"; done
"$DOPPEL" curate "$WORK/photos" --list "$WORK/out.csv" "$@" >/dev/null 2>&1
awk -F, -v n="$N" 'NR > 1 {
  planted = ($1 ~ /planted-from/); if (planted) p++;
  if ($4 == "mislabelled") { if (planted) caught++; else false_alarm++ }
  if ($4 == "no_face") noface++
  if (planted && $4 != "mislabelled") missed = missed " " $1 "(" ($4 == "" ? "kept" : $4) ")"
} END { printf "planted %d, caught %d, genuine photos called mislabelled %d of %d, no face %d; missed:%s\n", p, caught, false_alarm, NR - 1 - p, noface, missed }' "$WORK/out.csv"
