#!/usr/bin/env bash
# The replay benchmark: simulate ~1 GB of trace from a host of 64 CPUs and
# 200 domains, then time a bare walk, accounting alone and the real replay.
#   bench.sh XENMON_SIM XENBAKED BENCH_REPLAY
# BENCH_SECONDS overrides the simulated duration (and so the size).
set -euo pipefail
sim=$1 bake=$2 bench=$3
dir=${BENCH_DIR:-$(mktemp -d /tmp/xenmon-bench.XXXXXX)}
trap 'rm -rf "$dir"' EXIT
secs=${BENCH_SECONDS:-320}
start=$(date +%s%N)
"$sim" --cpus 64 --domains 200 --vcpus 2 --seconds "$secs" --seed 1 \
  --mhz 2400 --start-time 1700000000 -o "$dir/trace.bin"
end=$(date +%s%N)
echo "simulated $secs s of a 64-CPU, 200-domain host in $(( (end - start) / 1000000 )) ms"
"$bench" "$dir/trace.bin" "$bake" "$dir/bench.db" 2400 1700000000
