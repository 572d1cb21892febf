#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='an acknowledged job survives kill -9 of the controller'

. "$(dirname "$0")/lib/tessera.sh"

test_have_prereq MUNGE || skip_all='munged is not installed' test_done

test_expect_success 'start a cluster' '
    tess_start_cluster
'

test_expect_success 'jobs submitted just before kill -9 are there after restart' '
    cd "$TRASH/work" &&
    a=$(tess batch -o a.out --gpus=a100-sxm4-80gb:8 --wrap="sleep 3; echo a done" | sed "s/.* //") &&
    b=$(tess batch -o b.out --gpus=a100-sxm4-80gb:8 --wrap="echo b done" | sed "s/.* //") &&
    tess_stop_ctld KILL &&
    tess_start_ctld &&
    tess show job $a >a.show && grep -q "^state=RUNNING" a.show &&
    tess show job $b >b.show && grep -q "^state=PENDING" b.show
'

test_expect_success 'the running job finishes and the pending one runs after restart' '
    wait_for "tess show job $b | grep -q ^state=COMPLETED" 30 &&
    tess show job $a | grep -q "^state=COMPLETED" &&
    grep -q "a done" "$TRASH/work/a.out" &&
    grep -q "b done" "$TRASH/work/b.out"
'

test_expect_success 'job ids keep increasing across restarts' '
    c=$(tess batch -o /dev/null --wrap=true | sed "s/.* //") &&
    test "$c" -gt "$b"
'

test_expect_success 'a burst of submissions all survive kill -9' '
    for i in 1 2 3 4 5 6 7 8 9 10; do
        tess batch -o /dev/null --hold --wrap="sleep 1" 2>/dev/null | sed "s/.* //" || return 1
    done >ids &&
    tess_stop_ctld KILL &&
    tess_start_ctld &&
    for id in $(cat ids); do
        tess show job $id >/dev/null || return 1
    done
'

test_expect_success 'a node that restarts without its job reports it lost' '
    cd "$TRASH/work" &&
    id=$(tess batch -o lost.out --gpus=a100-sxm4-80gb:1 --wrap="echo up; sleep 300" | sed "s/.* //") &&
    wait_for "grep -q up lost.out" 20 &&
    tess_kill9_restart_node dgx1 &&
    wait_for "tess show job $id | grep -q ^state=NODE_FAIL" 30 &&
    tess show job $id | grep -q "^reason=node restarted and lost the job" &&
    wait_for "! pgrep -f \"sleep 300\"" 10
'

tess_test_done
