#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmarks (never part of pass/fail): store group commit, end-to-end
# submission rate, and controller behaviour with a large pending queue.
#   make bench                       # from a configured build tree
#   BENCH_JOBS=100000 make bench     # the 100,000-pending-job figures
# Prints one line per measurement; doc/performance.md records them.
set -eu
build=${1:-$(pwd)}
src=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${BENCH_JOBS:-20000}
dir=$(mktemp -d /tmp/tessera-bench.XXXXXX)
chmod 755 "$dir"
PATH="$build/cli:$build/ctld:$build/noded:$PATH"
cleanup() {
    [ -n "${ctld:-}" ] && kill "$ctld" 2>/dev/null && wait "$ctld" 2>/dev/null
    [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null
    sleep 0.2
    rm -rf "$dir" || true
}
trap cleanup EXIT

echo "== store: 20000 job records through ctld/store.c"
"$build/testsuite/bench/bench_store" -d "$dir"

mungekey -c -k "$dir/munge.key"
munged --key-file="$dir/munge.key" --socket="$dir/munge.sock" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
    --seed-file="$dir/munged.seed"
mkdir -p "$dir/ctld"
cat >"$dir/tessera.conf" <<EOT
ControlHost=127.0.0.1
ControlPort=0
StateDir=$dir/ctld
SpoolDir=$dir/spool/%n
MungeSocket=$dir/munge.sock
CtldLogFile=$dir/tessctld.log
NodeName=n[00001-10000] CPUs=64 RealMemory=262144 Gpus=h100-sxm5-80gb:8
PartitionName=general Nodes=ALL Default=YES
EOT
export TESS_CONF="$dir/tessera.conf"
start_ctld() {
    rm -f "$dir/ctld/tessctld.addr"
    t0=$(date +%s.%N)
    tessctld -f "$TESS_CONF" &
    ctld=$!
    while [ ! -s "$dir/ctld/tessctld.addr" ]; do sleep 0.01; done
    t1=$(date +%s.%N)
    echo "controller ready in $(echo "$t1 - $t0" | bc) s"
}
start_ctld
echo "== submit: 10,000 configured nodes (none registered, so jobs stay pending)"
"$build/testsuite/bench/bench_submit" 1 2000
per=$((jobs / 8))
"$build/testsuite/bench/bench_submit" 8 "$per"
n=$(tess queue -h | wc -l)
t0=$(date +%s.%N)
tess queue -h >/dev/null
t1=$(date +%s.%N)
echo "tess queue: $n pending jobs listed in $(echo "$t1 - $t0" | bc) s"
echo "== restart: kill -9 with $n jobs, then reload"
kill -9 "$ctld"
wait "$ctld" 2>/dev/null || true
start_ctld
echo "after restart: $(tess queue -h | wc -l) pending jobs"
grep "recovered" "$dir/tessctld.log" | tail -1
