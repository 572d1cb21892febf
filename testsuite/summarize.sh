#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Count test cases across Automake .trs files (one per test program, one
# line per TAP case) and print "N passed, N failed, N skipped". Exits 1 if
# anything failed or no test ran at all.
set -u
pass=0 fail=0 skip=0
for dir in "$@"; do
    [ -d "$dir" ] || continue
    for f in $(find "$dir" -name '*.trs' | sort); do
        p=$(grep -c '^:test-result: PASS' "$f")
        x=$(grep -c '^:test-result: XFAIL' "$f")
        s=$(grep -c '^:test-result: SKIP' "$f")
        e=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$f")
        pass=$((pass + p + x))
        skip=$((skip + s))
        fail=$((fail + e))
    done
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
