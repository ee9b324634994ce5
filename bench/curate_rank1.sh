#!/usr/bin/env bash
# Rank-1 identification with templates from doppel curate. For each identity folder of DATA with at least
# G+P photos, the first G (name order) are the gallery, the next P the probes; the first gallery photo of each
# of the first 10 such identities is filed under the next one (planted mislabels). Templates: curated-K
# (curate --keep K), random-K (K random gallery photos, nothing dropped), all (every gallery photo, nothing
# dropped). Each probe is embedded as an identity of its own (its template is its vector).
# Usage: [DATA=../shared/data/lfw-dev/images G=4 P=2] bench/curate_rank1.sh [K] [SEED] [curate options...]
set -euo pipefail
K=${1:-2}; SEED=${2:-1}; shift 2 || shift $# || true
DOPPEL=${DOPPEL:-src/Doppel.Cli/bin/Release/net10.0/doppel}
DATA=${DATA:-../shared/data/lfw-dev/images}; G=${G:-4}; P=${P:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ids=()
for d in "$DATA"/*/; do
  id=$(basename "$d"); mapfile -t files < <(ls "$d" | sort)
  (( ${#files[@]} >= G + P )) || continue
  ids+=("$id"); mkdir -p "$W/gallery/$id"
  for f in "${files[@]:0:G}"; do cp "$d$f" "$W/gallery/$id/"; done
  for f in "${files[@]:G:P}"; do mkdir -p "$W/probes/$id--$f"; cp "$d$f" "$W/probes/$id--$f/"; done
done
for i in $(seq 0 9); do
  from=${ids[$i]}; to=${ids[$((i + 1))]}; f=$(ls "$W/gallery/$from" | sort | head -1)
  mv "$W/gallery/$from/$f" "$W/gallery/$to/planted-$f"
done
mkdir -p "$W/random"
for d in "$W"/gallery/*/; do
  id=$(basename "$d"); mkdir -p "$W/random/$id"
  ls "$d" | sort | python3 -c "import sys,random; r=random.Random('$SEED$id'); f=[l.strip() for l in sys.stdin]; print('\n'.join(r.sample(f, min($K, len(f)))))" \
    | while read -r f; do cp "$d$f" "$W/random/$id/"; done
done
ALL=(--mislabel -2 --redundancy 2)
"$DOPPEL" curate "$W/gallery" --list "$W/curated.csv" --keep "$K" "$@" >/dev/null 2>&1
echo "identities ${#ids[@]}, gallery $G, probes $P each; planted mislabels caught: $(grep -c 'planted-.*,mislabelled,' "$W/curated.csv" || true)/10, genuine photos called mislabelled: $(grep -v planted- "$W/curated.csv" | grep -c ',mislabelled,' || true)"
"$DOPPEL" curate "$W/random" --list "$W/random.csv" "${ALL[@]}" "$@" >/dev/null 2>&1
"$DOPPEL" curate "$W/gallery" --list "$W/all.csv" "${ALL[@]}" "$@" >/dev/null 2>&1
"$DOPPEL" curate "$W/probes" --list "$W/probes.csv" "${ALL[@]}" "$@" >/dev/null 2>&1
python3 - "$W" "$K" <<'PY'
import struct, sys, math
w, k = sys.argv[1], sys.argv[2]
def npy(stem):
    with open(f"{w}/{stem}.templates.npy", "rb") as f:
        data = f.read()
    hl = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hl].decode()
    rows, dim = eval(header)["shape"]
    vals = struct.unpack(f"<{rows * dim}f", data[10 + hl:10 + hl + 4 * rows * dim])
    ids = open(f"{w}/{stem}.templates.ids.txt").read().split()
    vecs = [vals[i * dim:(i + 1) * dim] for i in range(rows)]
    return ids, [[x / math.sqrt(sum(y * y for y in v)) for x in v] for v in vecs]
pids, pv = npy("probes")
for name in ["curated", "random", "all"]:
    gids, gv = npy(name)
    hits = 0
    for pid, p in zip(pids, pv):
        best = max(range(len(gids)), key=lambda j: sum(a * b for a, b in zip(p, gv[j])))
        hits += gids[best] == pid.split("--")[0]
    label = {"curated": f"curated-{k}", "random": f"random-{k}", "all": "all"}[name]
    print(f"{label:>10}: rank-1 {hits}/{len(pids)} = {100 * hits / len(pids):.1f} %")
PY
