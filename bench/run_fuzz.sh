#!/usr/bin/env bash
# Fuzzes the image header sniffer and the decoder entry (bench/Doppel.Fuzz, issue 12) for a bounded time.
#   bash bench/run_fuzz.sh [SECONDS=600] [afl|random]
# afl:    AFL++ (Debian package afl++) drives SharpFuzz-instrumented Doppel.Vision.dll, coverage-guided;
# random: the target's own mutation loop over the seeds, no coverage guidance, no extra tools.
# Prints the fuzzer's statistics and every finding; exit 1 when there is one. Runs at nice 10.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
mode=${2:-afl}
dotnet build -c Release "$here/bench/Doppel.Fuzz" -nologo -v quiet >&2
out="$here/bench/Doppel.Fuzz/bin/Release/net10.0"
work=$(mktemp -d -t doppel-fuzz-XXXXXX)
echo "work folder: $work" >&2

if [ "$mode" = random ]; then
  cd "$work"
  exec nice -n 10 dotnet "$out/Doppel.Fuzz.dll" random "$seconds" 1
fi

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
fi
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine >/dev/null
fi
cp -r "$out" "$work/bin"
# Coverage of our own parsing code: the sniffer, the header readers, the budgets, the decoder entry.
sharpfuzz "$work/bin/Doppel.Vision.dll" >&2
dotnet "$work/bin/Doppel.Fuzz.dll" seeds "$work/seeds"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
timeout --preserve-status "$seconds" nice -n 10 afl-fuzz -i "$work/seeds" -o "$work/out" -t 10000 -m none -- \
  dotnet "$work/bin/Doppel.Fuzz.dll" afl >"$work/afl.log" 2>&1 || true
stats="$work/out/default/fuzzer_stats"
[ -f "$stats" ] || { tail -30 "$work/afl.log"; echo "afl-fuzz did not start" >&2; exit 2; }
grep -E "^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|stability)" "$stats"
findings=0
for kind in crashes hangs; do
  for f in "$work/out/default/$kind"/id:*; do
    [ -e "$f" ] || continue
    findings=$((findings + 1))
    echo "$kind: $f"
    dotnet "$work/bin/Doppel.Fuzz.dll" run "$f" 2>&1 | tail -3 || true
  done
done
echo "findings: $findings"
[ "$findings" -eq 0 ]
