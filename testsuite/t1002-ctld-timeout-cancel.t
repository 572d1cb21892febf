#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='time limits and cancellation kill the whole process tree'

. "$(dirname "$0")/lib/tessera.sh"

test_have_prereq MUNGE || skip_all='munged is not installed' test_done

# One "minute" of time limit lasts 1 s on these nodes.
TESS_NODED_ARGS="--test-minute-ms=1000"

test_expect_success 'start a cluster' '
    tess_start_cluster
'

test_expect_success 'a job over its time limit ends TIMEOUT, even ignoring SIGTERM' '
    cd "$TRASH/work" &&
    test_expect_code 137 tess batch -W -t 1 -o to.out \
        --wrap="trap \"echo got TERM\" TERM; echo started; while :; do sleep 0.1; done" \
        >submit 2>err &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    grep -q "job $id ended TIMEOUT" err &&
    tess show job $id >show &&
    grep -q "^state=TIMEOUT" show &&
    grep -q started to.out && grep -q "got TERM" to.out
'

test_expect_success 'cancel kills double-forked and setsid processes too' '
    cd "$TRASH/work" &&
    marker="tessmark-$$-$(date +%s)" &&
    cp "$(command -v sleep)" "$TRASH/work/$marker-a" &&
    cp "$(command -v sleep)" "$TRASH/work/$marker-b" &&
    cat >forker.sbatch <<-EOT &&
	#!/bin/sh
	#SBATCH -o forker.out
	setsid "$TRASH/work/$marker-a" 300 &
	( ( "$TRASH/work/$marker-b" 300 ) & ) &
	echo forked
	wait
	EOT
    id=$(tess batch forker.sbatch | sed "s/.* //") &&
    wait_for "pgrep -f $marker-b" 20 &&
    pgrep -f $marker-a &&
    tess cancel $id &&
    wait_for "tess show job $id | grep -q ^state=CANCELLED" 20 &&
    wait_for "! pgrep -f $marker" 10
'

test_expect_success 'cancelling a finished job says so' '
    id=$(tess batch -W -o /dev/null --wrap=true | sed "s/.* //") &&
    test_expect_code 1 tess cancel $id 2>err &&
    grep -q "job $id has already finished" err
'

test_expect_success 'cancelling a pending job ends it at once' '
    cd "$TRASH/work" &&
    big=$(tess batch --gpus=a100-sxm4-80gb:8 -o /dev/null --wrap="sleep 30" | sed "s/.* //") &&
    small=$(tess batch --gpus=a100-sxm4-80gb:8 -o /dev/null --wrap=true | sed "s/.* //") &&
    tess queue -h -j $small | grep -q " PD " &&
    tess cancel $small $big &&
    tess show job $small | grep -q "^state=CANCELLED"
'

test_expect_success 'an unknown job cannot be cancelled' '
    test_expect_code 1 tess cancel 99999 2>err &&
    grep -q "job 99999 does not exist" err
'

test_expect_success ROOT 'jobs run as the submitting user; another user cannot cancel them' '
    tess_ensure_user tessuser1 &&
    tess_ensure_user tessuser2 &&
    id=$(tess_as tessuser1 "tess batch -o u1.out --wrap=\"id -un; sleep 30\"" | sed "s/.* //") &&
    wait_for "grep -q tessuser1 \"$TRASH/work/u1.out\"" 20 &&
    test "$(stat -c %U "$TRASH/work/u1.out")" = tessuser1 &&
    test_must_fail tess_as tessuser2 "tess cancel $id" 2>err &&
    grep -q "job $id belongs to another user" err &&
    tess show job $id | grep -q "^state=RUNNING" &&
    tess_as tessuser1 "tess cancel $id" &&
    wait_for "tess show job $id | grep -q ^state=CANCELLED" 20
'

tess_test_done
