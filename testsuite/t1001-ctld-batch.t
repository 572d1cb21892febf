#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='batch jobs run on emulated GPU nodes with the right output, environment and exit code'

. "$(dirname "$0")/lib/tessera.sh"

test_have_prereq MUNGE || skip_all='munged is not installed' test_done

test_expect_success 'start a 3-node cluster' '
    tess_start_cluster &&
    tess info -N >nodes &&
    test $(grep -c idle nodes) = 3
'

test_expect_success 'a job writes its output file and exits 0' '
    cd "$TRASH/work" &&
    cat >hello.sbatch <<-\EOT &&
	#!/bin/sh
	#SBATCH -J hello
	#SBATCH --output=hello-%j.out
	echo "hello from $TESS_JOB_ID"
	EOT
    tess batch --wait hello.sbatch >submit &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    echo "hello from $id" >expect &&
    test_cmp expect "hello-$id.out"
'

test_expect_success 'the exit code comes back through --wait and show' '
    cd "$TRASH/work" &&
    test_expect_code 7 tess batch -W --wrap="exit 7" >submit 2>err &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    grep -q "job $id ended FAILED" err &&
    tess show job $id >show &&
    grep -q "^state=FAILED" show &&
    grep -q "^exit_code=7" show
'

test_expect_success 'the job sees its allocation in TESS_ and SLURM_ variables' '
    cd "$TRASH/work" &&
    tess batch -W -o env.out --gpus=rtx4090:2 -n 2 \
        --wrap="env | grep -E \"^(TESS|SLURM|CUDA)_\" | sort" >submit &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    grep -qx "TESS_JOB_ID=$id" env.out &&
    grep -qx "SLURM_JOB_ID=$id" env.out &&
    grep -qx "CUDA_VISIBLE_DEVICES=0,1" env.out &&
    grep -qx "TESS_NNODES=1" env.out &&
    grep -qx "SLURM_NTASKS=2" env.out &&
    grep -q "^TESS_JOB_NODELIST=rig[12]$" env.out
'

test_expect_success 'a job without GPUs gets no CUDA_VISIBLE_DEVICES' '
    cd "$TRASH/work" &&
    tess batch -W -o nogpu.out --wrap="echo \"[\${CUDA_VISIBLE_DEVICES-unset}]\"" &&
    echo "[unset]" >expect &&
    test_cmp expect nogpu.out
'

test_expect_success 'A100 requests land on the A100 node' '
    cd "$TRASH/work" &&
    tess batch -W -o a100.out --gpus=a100-sxm4-80gb:8 \
        --wrap="echo \$TESS_JOB_NODELIST \$CUDA_VISIBLE_DEVICES" &&
    echo "dgx1 0,1,2,3,4,5,6,7" >expect &&
    test_cmp expect a100.out
'

test_expect_success 'the command line wins over directives' '
    cd "$TRASH/work" &&
    cat >named.sbatch <<-\EOT &&
	#!/bin/sh
	#SBATCH -J from-directive -o named.out
	echo "$TESS_JOB_NAME"
	EOT
    tess batch -W -J from-cli named.sbatch &&
    echo from-cli >expect &&
    test_cmp expect named.out
'

test_expect_success 'output patterns %j %x %u %N are expanded' '
    cd "$TRASH/work" &&
    tess batch -W -J pat -o "p-%j-%x-%u-%N.out" --wrap="echo ok" >submit &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    ls p-$id-pat-$(id -un)-*.out
'

test_expect_success 'stderr goes to -e' '
    cd "$TRASH/work" &&
    tess batch -W -o so.out -e se.out --wrap="echo out; echo err >&2" &&
    echo out >expect && test_cmp expect so.out &&
    echo err >expect && test_cmp expect se.out
'

test_expect_success '--mem=0 takes all of the node memory' '
    cd "$TRASH/work" &&
    tess batch -W --mem=0 --gpus=a100-sxm4-80gb:1 -o mem.out \
        --wrap="echo \$TESS_MEM_PER_NODE" &&
    echo 131072 >expect &&
    test_cmp expect mem.out
'

test_expect_success 'an unknown partition is refused' '
    test_expect_code 1 tess batch -p nope --wrap=true 2>err &&
    test_line_count = 1 err &&
    grep -q "partition .nope. does not exist" err
'

test_expect_success 'a request no node can ever satisfy is refused' '
    test_expect_code 1 tess batch --gpus=rtx4090:5 --wrap=true 2>err &&
    grep -q "requested node configuration is not available" err
'

test_expect_success 'parsed but not yet acted-on options warn' '
    cd "$TRASH/work" &&
    tess batch -W --array=0-3 --wrap=true 2>err >/dev/null &&
    grep -q "warning: --array is accepted but not yet acted on" err
'

test_expect_success 'show job --json shows the request as understood' '
    tess batch --gpus-per-node=rtx4090:1 -c 2 --mem=1G -t 10 --wrap=true >submit &&
    id=$(sed -n "s/^Submitted batch job //p" submit) &&
    tess show job --json $id >job.json &&
    grep -q "\"gpus_per_node\": 1" job.json &&
    grep -q "\"gpu_type\": \"rtx4090\"" job.json &&
    grep -q "\"cpus_per_task\": 2" job.json &&
    grep -q "\"mem_per_node_mib\": 1024" job.json &&
    grep -q "\"time_limit_min\": 10" job.json
'

test_expect_success 'queue and info have --json' '
    tess queue --states=all --json >q.json &&
    grep -q "\"jobs\"" q.json &&
    tess info --json >i.json &&
    grep -q "\"partitions\"" i.json && grep -q "\"rtx4090\"" i.json
'

test_expect_success 'jobs queue in FIFO order when the cluster is full' '
    cd "$TRASH/work" &&
    a=$(tess batch --gpus=a100-sxm4-80gb:8 -o /dev/null --wrap="sleep 4" | sed "s/.* //") &&
    b=$(tess batch --gpus=a100-sxm4-80gb:8 -o /dev/null --wrap="sleep 1" | sed "s/.* //") &&
    wait_for "tess queue -h -j $b | grep -q \"PD .*(Resources)\"" 10 &&
    wait_for "tess queue -h -t CD -j $b | grep -q CD" 20 &&
    tess show job --json $a >a.json && tess show job --json $b >b.json &&
    a_end=$(sed -n "s/.*\"end_time\": \([0-9]*\).*/\1/p" a.json) &&
    b_start=$(sed -n "s/.*\"start_time\": \([0-9]*\).*/\1/p" b.json) &&
    test "$b_start" -ge "$a_end"
'

tess_test_done
