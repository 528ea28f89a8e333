#!/usr/bin/env bash
# Fuzz the replay core with libFuzzer for a bounded time (FUZZ_SECONDS,
# default 180), from the seeds and every earlier crash.  A new crash fails
# the run and is left in $FUZZ_OUT (default a temporary folder) to be added
# to tests/fuzz/regressions/.
#   run-fuzzer.sh SOURCE_ROOT
set -euo pipefail
src=$1
secs=${FUZZ_SECONDS:-180}
out=${FUZZ_OUT:-$(mktemp -d /tmp/xenmon-fuzz.XXXXXX)}
bin=$out/fuzz_replay
clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$src/daemon" -I"$src/daemon/capture" -I"$src/daemon/decode" -I"$src/daemon/account" -I"$src/schema" -o "$bin" \
  "$src/tests/fuzz/fuzz_replay.c" "$src"/daemon/{account/account,decode/decode,capture/input,decode/merge,decode/prescan}.c \
  "$src/schema/metrics.c" -lm
mkdir -p "$out/corpus"
cp "$src"/tests/fuzz/seeds/* "$src"/tests/fuzz/regressions/* "$out/corpus/"
cd "$out"
if ! "$bin" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
     -max_total_time="$secs" -print_final_stats=1 corpus 2> fuzz.log; then
  tail -40 fuzz.log
  echo "FUZZ FAILURE: the crashing input is in $out (add it to tests/fuzz/regressions/)"
  exit 1
fi
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' fuzz.log
echo "fuzzed $secs s: no crash"
