#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='tess reports bad input in one line with a non-zero exit'

. "$(dirname "$0")/lib/tessera.sh"

test_expect_success 'tess --help lists the commands' '
    tess --help >out &&
    grep -q "^  batch" out && grep -q "^  queue" out && grep -q "^  local" out
'

test_expect_success 'an unknown command exits 2 with one line' '
    test_expect_code 2 tess frobnicate 2>err &&
    test_line_count = 1 err &&
    grep -q "unknown command .frobnicate." err
'

test_expect_success 'an unknown option is named' '
    test_expect_code 2 tess batch --bogus x 2>err &&
    test_line_count = 1 err &&
    grep -q "^tess batch: error: unrecognized option .--bogus." err
'

test_expect_success 'listing commands report bad options in one line too' '
    for cmd in queue info show cancel local; do
        test_expect_code 2 tess $cmd --bogus 2>err &&
        test_line_count = 1 err &&
        grep -q "^tess $cmd: error: unrecognized option or missing argument .--bogus." err ||
        return 1
    done &&
    test_expect_code 2 tess queue -u 2>err &&
    grep -q "^tess queue: error: .*-u" err
'

test_expect_success 'a bad time limit is named' '
    test_expect_code 2 tess batch -t 1:xx --wrap=true 2>err &&
    test_line_count = 1 err &&
    grep -q "^tess batch: error: .*bad time limit .1:xx." err
'

test_expect_success 'a script without #! is refused with file:line' '
    printf "echo hi\n" >noshebang.sh &&
    test_expect_code 1 tess batch noshebang.sh 2>err &&
    test_line_count = 1 err &&
    grep -q "noshebang.sh:1:" err
'

test_expect_success 'a config error is reported as file:line: key' '
    printf "ClusterName=x\nBogusKey=1\n" >bad.conf &&
    TESS_CONF="$PWD/bad.conf" test_expect_code 1 tess queue 2>err &&
    test_line_count = 1 err &&
    grep -q "bad.conf:2: BogusKey" err
'

test_expect_success MUNGE 'an unreachable controller is named with its address' '
    tess_start_munge &&
    cat >down.conf <<-EOT &&
	ControlHost=127.0.0.1
	ControlPort=1
	StateDir="$TRASH/nostate"
	MungeSocket="$TESS_MUNGE_SOCKET"
	NodeName=n1 CPUs=1 RealMemory=100
	PartitionName=p Nodes=n1
	EOT
    TESS_CONF="$PWD/down.conf" test_expect_code 1 tess queue 2>err &&
    test_line_count = 1 err &&
    grep -q "cannot reach the controller at 127.0.0.1:1: Connection refused" err
'

test_expect_success 'invoked as sbatch, tess behaves as tess batch' '
    ln -s "$(command -v tess)" sbatch &&
    test_expect_code 2 ./sbatch --bogus 2>err &&
    grep -q "^sbatch: error: unrecognized option" err
'

test_expect_success 'tessctld refuses a bad config with file:line' '
    test_expect_code 1 tessctld -f "$PWD/bad.conf" 2>err &&
    grep -q "bad.conf:2: BogusKey" err
'

test_expect_success 'tess show config prints every global key' '
    TESS_CONF="$TESS_SRCDIR/contribs/tessera.conf.example" tess show config >cfg &&
    grep -qx "ClusterName=local" cfg &&
    grep -qx "KillWait=5" cfg &&
    grep -qx "ControlSocket=/var/lib/tessera/tessctld.sock" cfg
'

tess_test_done
