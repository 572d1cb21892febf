#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# README command 2 (and CI): install, then build and run the whole suite
# twice, as CI does: gcc with warnings as errors, and clang under ASan and
# UBSan. Each build lives in its own directory, so the source tree stays
# clean. Ends with one line: "N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh contribs/setup/install-deps.sh || exit 1
# The builds below are out of tree; an in-tree configuration blocks them.
if [ -f config.status ]; then
    make distclean >/dev/null 2>&1 || rm -f config.status
fi
./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed" >&2; exit 1; }
jobs=$(nproc)
results="$top/_build/results"
rm -rf "$results"
mkdir -p "$results"
status=0

run_build() { # name, configure args...
    name=$1
    shift
    dir="$top/_build/$name"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "== $name: configure $*"
    (cd "$dir" && "$top/configure" --quiet "$@") >"$results/$name.configure.log" 2>&1 ||
        { cat "$results/$name.configure.log"; return 1; }
    echo "== $name: build"
    make -C "$dir" -j"$jobs" >"$results/$name.build.log" 2>&1 ||
        { tail -40 "$results/$name.build.log"; return 1; }
    echo "== $name: test"
    make -C "$dir" -j"$jobs" check >"$results/$name.check.log" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS)' "$results/$name.check.log" | grep -v '^PASS' || true
    if [ $rc -ne 0 ]; then
        for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find "$dir" -name '*.trs') 2>/dev/null); do
            echo "---- ${f%.trs}.log"
            tail -60 "${f%.trs}.log"
        done
    fi
    return $rc
}

run_build gcc CC=gcc --enable-werror || status=1
run_build clang-asan CC=clang --enable-werror --enable-sanitizers || status=1

# One closing line over every test case of both runs.
sh "$top/testsuite/summarize.sh" "$top/_build/gcc" "$top/_build/clang-asan"
[ $? -eq 0 ] || status=1
exit $status
