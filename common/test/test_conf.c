/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the tessera.conf parser (common/conf.c). Good configs are
 * a table of texts with the facts each must yield, written as
 * "G:Key=Value" (a line of conf_print), "N:<node description>" or
 * "P:<partition description>" (see describe_node/describe_partition);
 * bad configs are a table of texts with the start of the error each must
 * produce ("t.conf:LINE: Key: reason"). Files (the shipped example,
 * Include) live in a mkdtemp directory. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/conf_private.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/log.h"
#include "common/xalloc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ helpers */

/* "name addr=A port=P cpus=C mem=M gpus=t:n,t:n features=F provider=P
 * region=R tier=T" with "-" for NULL/none. */
static char *describe_node(const struct conf_node *n)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    fprintf(f, "%s addr=%s port=%u cpus=%u mem=%llu gpus=", n->name,
            n->addr ? n->addr : "-", (unsigned)n->port, (unsigned)n->cpus,
            (unsigned long long)n->real_memory_mib);
    for (size_t i = 0; i < n->ngpus; i++)
        fprintf(f, "%s%s:%u", i ? "," : "", n->gpus[i].type,
                (unsigned)n->gpus[i].count);
    if (n->ngpus == 0)
        fputs("-", f);
    fprintf(f, " features=%s provider=%s region=%s tier=%s",
            n->features ? n->features : "-", n->provider ? n->provider : "-",
            n->region ? n->region : "-",
            n->network_tier ? n->network_tier : "-");
    fclose(f);
    return buf;
}

static const char *time_text(uint32_t min, char *buf, size_t size)
{
    if (min == JOB_TIME_UNSET)
        snprintf(buf, size, "unset");
    else if (min == JOB_TIME_INFINITE)
        snprintf(buf, size, "inf");
    else
        snprintf(buf, size, "%u", (unsigned)min);
    return buf;
}

/* "name nodes=a,b default=0|1 max=MIN|inf deftime=MIN|unset maxnodes=N
 * state=N" */
static char *describe_partition(const struct conf *c,
                                const struct conf_partition *p)
{
    char *buf = NULL;
    size_t size = 0;
    char t1[32];
    char t2[32];
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    fprintf(f, "%s nodes=", p->name);
    for (size_t i = 0; i < p->nnodes; i++)
        fprintf(f, "%s%s", i ? "," : "", p->nodes[i]);
    if (p->nnodes == 0)
        fputs("-", f);
    fprintf(f, " default=%d max=%s deftime=%s maxnodes=%u state=%d",
            c->default_partition == p,
            time_text(p->max_time_min, t1, sizeof(t1)),
            time_text(p->default_time_min, t2, sizeof(t2)),
            (unsigned)p->max_nodes, (int)p->state);
    fclose(f);
    return buf;
}

static char *print_conf(const struct conf *c)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    conf_print(c, f);
    fclose(f);
    return buf;
}

/* Check one "G:", "N:" or "P:" fact about 'c'. */
static void check_fact(const struct conf *c, const char *text, const char *fact)
{
    char *got = NULL;
    char name[128];

    if (!strncmp(fact, "G:", 2)) {
        char *all = print_conf(c);
        char *line = xasprintf("\n%s\n", fact + 2);
        char *with_nl = xasprintf("\n%s", all);
        if (!strstr(with_nl, line))
            fail_msg("config:\n%s\nwanted line '%s' in:\n%s", text, fact + 2,
                     all);
        free(with_nl);
        free(line);
        free(all);
        return;
    }
    sscanf(fact + 2, "%127s", name);
    if (!strncmp(fact, "N:", 2)) {
        const struct conf_node *n = conf_find_node(c, name);
        if (!n)
            fail_msg("config:\n%s\nno node '%s'", text, name);
        got = describe_node(n);
    } else if (!strncmp(fact, "P:", 2)) {
        const struct conf_partition *p = conf_find_partition(c, name);
        if (!p)
            fail_msg("config:\n%s\nno partition '%s'", text, name);
        got = describe_partition(c, p);
    } else {
        fail_msg("bad fact '%s'", fact);
    }
    if (strcmp(got, fact + 2))
        fail_msg("config:\n%s\nwanted: %s\ngot:    %s", text, fact + 2, got);
    free(got);
}

/* ---------------------------------------------------------- good cases */

struct good_case {
    const char *text;
    size_t nnodes;
    size_t npartitions;
    const char *facts[8];
};

static const struct good_case good_cases[] = {
    /* defaults */
    { "",
      0,
      0,
      { "G:ClusterName=tessera", "G:ControlHost=127.0.0.1",
        "G:ControlPort=6917", "G:ControlSocket=/var/lib/tessera/tessctld.sock",
        "G:StateDir=/var/lib/tessera", "G:SpoolDir=/var/spool/tessd/%n",
        "G:TessUser=root", "G:MungeSocket=" } },
    { "# only a comment\n\n   \n",
      0,
      0,
      { "G:CtldLogFile=", "G:NodedLogFile=", "G:LogLevel=info",
        "G:DebugFlags=", "G:HeartbeatInterval=10", "G:NodeTimeout=60",
        "G:KillWait=5", "G:MaxMessageSize=16777216" } },
    { "\n", 0, 0, { "G:StoreCommitDelay=500", "G:JobRequeue=YES" } },
    /* several globals on a line; keys are case-insensitive */
    { "clustername=alpha CONTROLPORT=7000 controlHost=10.0.0.1",
      0,
      0,
      { "G:ClusterName=alpha", "G:ControlPort=7000",
        "G:ControlHost=10.0.0.1" } },
    { "ControlPort=0", 0, 0, { "G:ControlPort=0" } },
    /* Slurm aliases */
    { "SlurmctldHost=ctl1 StateSaveLocation=/srv/state/\n"
      "SlurmUser=slurm SlurmdTimeout=300 SlurmctldPort=6817",
      0,
      0,
      { "G:ControlHost=ctl1", "G:StateDir=/srv/state/",
        "G:ControlSocket=/srv/state/tessctld.sock", "G:TessUser=slurm",
        "G:NodeTimeout=300", "G:ControlPort=6817" } },
    { "ControlSocket=/run/t.sock StateDir=/s",
      0,
      0,
      { "G:ControlSocket=/run/t.sock" } },
    /* quoting and comments */
    { "ClusterName=\"my cluster\" # trailing comment",
      0,
      0,
      { "G:ClusterName=\"my cluster\"" } },
    { "ClusterName=\"a#b\"#c\nTessUser=x\"y z\"w",
      0,
      0,
      { "G:ClusterName=\"a#b\"", "G:TessUser=\"xy zw\"" } },
    { "  # indented comment\n\tKillWait=0  \r\nJobRequeue=no\r\n",
      0,
      0,
      { "G:KillWait=0", "G:JobRequeue=NO" } },
    /* value types */
    { "JobRequeue=false", 0, 0, { "G:JobRequeue=NO" } },
    { "JobRequeue=0", 0, 0, { "G:JobRequeue=NO" } },
    { "JobRequeue=True", 0, 0, { "G:JobRequeue=YES" } },
    { "JobRequeue=1", 0, 0, { "G:JobRequeue=YES" } },
    { "MaxMessageSize=64K", 0, 0, { "G:MaxMessageSize=65536" } },
    { "MaxMessageSize=1GiB", 0, 0, { "G:MaxMessageSize=1073741824" } },
    { "MaxMessageSize=4096", 0, 0, { "G:MaxMessageSize=4096" } },
    { "LogLevel=DEBUG DebugFlags=sched,WIRE",
      0,
      0,
      { "G:LogLevel=debug", "G:DebugFlags=sched,wire" } },
    { "LogLevel=2 DebugFlags=",
      0,
      0,
      { "G:LogLevel=warning", "G:DebugFlags=" } },
    { "MungeSocket=/run/munge/m.sock CtldLogFile=/var/log/c.log\n"
      "NodedLogFile=/var/log/%n.log StoreCommitDelay=0",
      0,
      0,
      { "G:MungeSocket=/run/munge/m.sock", "G:CtldLogFile=/var/log/c.log",
        "G:NodedLogFile=/var/log/%n.log", "G:StoreCommitDelay=0" } },
    { "HeartbeatInterval=30 NodeTimeout=31",
      0,
      0,
      { "G:HeartbeatInterval=30", "G:NodeTimeout=31" } },
    /* node defaults */
    { "NodeName=n1",
      1,
      0,
      { "N:n1 addr=- port=0 cpus=0 mem=0 gpus=- features=- provider=- "
        "region=- tier=standard" } },
    /* a hostlist expands; every node gets the attributes */
    { "NodeName=rig[01-03] CPUs=16 RealMemory=64G Gpus=RTX4090:4 "
      "NodeAddr=10.1.1.1 Port=7001 Features=fast,ssd Provider=lab "
      "Region=home NetworkTier=HIGH",
      3,
      0,
      { "N:rig01 addr=10.1.1.1 port=7001 cpus=16 mem=65536 gpus=rtx4090:4 "
        "features=fast,ssd provider=lab region=home tier=high",
        "N:rig03 addr=10.1.1.1 port=7001 cpus=16 mem=65536 gpus=rtx4090:4 "
        "features=fast,ssd provider=lab region=home tier=high" } },
    /* GPU lists, Gres and Procs */
    { "nodename=g1 gpus=A100:2,h100-sxm5:1,l4\n"
      "NodeName=g2 Gres=gpu:rtx4090:4,GPU:a100:2 Procs=8 RealMemory=1024",
      2,
      0,
      { "N:g1 addr=- port=0 cpus=0 mem=0 gpus=a100:2,h100-sxm5:1,l4:1 "
        "features=- provider=- region=- tier=standard",
        "N:g2 addr=- port=0 cpus=8 mem=1024 gpus=rtx4090:4,a100:2 "
        "features=- provider=- region=- tier=standard" } },
    /* continuation lines, also inside a value */
    { "NodeName=c[1-2] \\\n    CPUs=4 \\\n\tGpus=a:1,\\\nb:2\n"
      "PartitionName=p Nodes=c1,\\\nc2",
      2,
      1,
      { "N:c2 addr=- port=0 cpus=4 mem=0 gpus=a:1,b:2 features=- "
        "provider=- region=- tier=standard",
        "P:p nodes=c1,c2 default=1 max=inf deftime=unset maxnodes=0 "
        "state=0" } },
    /* NodeName=DEFAULT and PartitionName=DEFAULT; later DEFAULTs add up */
    { "NodeName=DEFAULT CPUs=8 Gpus=a:1\n"
      "NodeName=d1\n"
      "NodeName=d2 CPUs=16 Gpus=\n"
      "NodeName=default RealMemory=100\n"
      "NodeName=d3\n"
      "PartitionName=DEFAULT MaxTime=60 State=DRAIN\n"
      "PartitionName=q1 Nodes=d[1-3]\n"
      "PartitionName=q2 Nodes=d2 MaxTime=UNLIMITED State=UP",
      3,
      2,
      { "N:d1 addr=- port=0 cpus=8 mem=0 gpus=a:1 features=- provider=- "
        "region=- tier=standard",
        "N:d2 addr=- port=0 cpus=16 mem=0 gpus=- features=- provider=- "
        "region=- tier=standard",
        "N:d3 addr=- port=0 cpus=8 mem=100 gpus=a:1 features=- provider=- "
        "region=- tier=standard",
        "P:q1 nodes=d1,d2,d3 default=1 max=60 deftime=unset maxnodes=0 "
        "state=2",
        "P:q2 nodes=d2 default=0 max=inf deftime=unset maxnodes=0 "
        "state=0" } },
    /* partitions: forward references, ALL, the default, times, state */
    { "PartitionName=early Nodes=x[1-2] MaxNodes=2 State=down\n"
      "NodeName=x[1-2]\n"
      "PartitionName=all Nodes=all Default=YES MaxTime=1-00:00:00 "
      "DefaultTime=30\n"
      "PartitionName=empty State=INACTIVE DefaultTime=UNLIMITED",
      2,
      3,
      { "P:early nodes=x1,x2 default=0 max=inf deftime=unset maxnodes=2 "
        "state=1",
        "P:all nodes=x1,x2 default=1 max=1440 deftime=30 maxnodes=0 "
        "state=0",
        "P:empty nodes=- default=0 max=inf deftime=inf maxnodes=0 "
        "state=3" } },
    /* an empty DefaultTime undoes a default one */
    { "PartitionName=DEFAULT DefaultTime=5\nPartitionName=z DefaultTime=\n"
      "PartitionName=y",
      0,
      2,
      { "P:z nodes=- default=1 max=inf deftime=unset maxnodes=0 state=0",
        "P:y nodes=- default=0 max=inf deftime=5 maxnodes=0 state=0" } },
    /* DefaultTime may equal MaxTime; Default=NO is fine twice */
    { "PartitionName=a MaxTime=2:00:00 DefaultTime=120 Default=NO\n"
      "PartitionName=b Default=no",
      0,
      2,
      { "P:a nodes=- default=1 max=120 deftime=120 maxnodes=0 state=0",
        "P:b nodes=- default=0 max=inf deftime=unset maxnodes=0 "
        "state=0" } },
};

static void test_good(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(good_cases); i++) {
        const struct good_case *gc = &good_cases[i];
        struct tess_error err = { "" };
        struct conf *c = conf_load_string("t.conf", gc->text, &err);

        if (!c)
            fail_msg("config:\n%s\nfailed: %s", gc->text, err.text);
        if (c->nnodes != gc->nnodes || c->npartitions != gc->npartitions)
            fail_msg("config:\n%s\nwanted %zu nodes, %zu partitions; got "
                     "%zu, %zu",
                     gc->text, gc->nnodes, gc->npartitions, c->nnodes,
                     c->npartitions);
        for (size_t j = 0; j < ARRAY_SIZE(gc->facts) && gc->facts[j]; j++)
            check_fact(c, gc->text, gc->facts[j]);
        assert_string_equal(c->path, "t.conf");
        conf_destroy(c);
    }
}

/* ----------------------------------------------------------- bad cases */

struct bad_case {
    const char *text;
    const char *error; /* the start of err.text */
};

static const struct bad_case bad_cases[] = {
    /* keys and tokens */
    { "Foo=1", "t.conf:1: Foo: unknown key" },
    { "ClusterName=a\n\nfoo=bar", "t.conf:3: foo: unknown key" },
    { "ControlPort=1\nClusterName=x\nControlPort=2",
      "t.conf:3: ControlPort: duplicate key (first set at line 1)" },
    { "ControlHost=a SlurmctldHost=b",
      "t.conf:1: SlurmctldHost: duplicate key (first set at line 1)" },
    { "controlport=1 CONTROLPORT=1",
      "t.conf:1: CONTROLPORT: duplicate key (first set at line 1)" },
    { "rig01", "t.conf:1: rig01: expected Key=Value" },
    { "ClusterName=a b", "t.conf:1: b: expected Key=Value" },
    { "=5", "t.conf:1: '=5': missing key before '='" },
    { "ClusterName=\"abc", "t.conf:1: unterminated quote" },
    { "ClusterName=a \\", "t.conf:1: continuation line at end of file" },
    { "ClusterName=a\nKillWait=1 \\\n", "t.conf:2: continuation line" },
    { "CPUs=4", "t.conf:1: CPUs: only valid on a NodeName line" },
    { "Nodes=ALL", "t.conf:1: Nodes: only valid on a PartitionName line" },
    { "ClusterName=a NodeName=b",
      "t.conf:1: NodeName: must be the first key on its line" },
    { "NodeName=n CPUs=4 ControlPort=5",
      "t.conf:1: ControlPort: not valid on a NodeName line" },
    { "NodeName=n PartitionName=p",
      "t.conf:1: PartitionName: must be the first key on its line" },
    { "PartitionName=p CPUs=1",
      "t.conf:1: CPUs: only valid on a NodeName line" },
    { "NodeName=n CPUs=1 procs=2",
      "t.conf:1: procs: duplicate key (first set at line 1)" },
    { "NodeName=n NodeName=m",
      "t.conf:1: NodeName: duplicate key (first set at line 1)" },
    { "NodeName=n Gpus=a:1 Gres=gpu:b:1",
      "t.conf:1: Gres: duplicate key (first set at line 1)" },
    { "NodeName=n \\\n  CPUs=x", "t.conf:2: CPUs: 'x' is not a number" },
    /* global values */
    { "ControlPort=70000", "t.conf:1: ControlPort: '70000' is not a port" },
    { "ControlPort=-1", "t.conf:1: ControlPort: '-1' is not a port" },
    { "HeartbeatInterval=0",
      "t.conf:1: HeartbeatInterval: '0' is out of range (1-3600)" },
    { "HeartbeatInterval=abc",
      "t.conf:1: HeartbeatInterval: 'abc' is not a number" },
    { "KillWait=99999999999999999999999",
      "t.conf:1: KillWait: '99999999999999999999999' is out of range" },
    { "MaxMessageSize=1K",
      "t.conf:1: MaxMessageSize: '1K' is out of range (4096-1073741824)" },
    { "MaxMessageSize=2G", "t.conf:1: MaxMessageSize: '2G' is out of range" },
    { "MaxMessageSize=16X",
      "t.conf:1: MaxMessageSize: '16X' is not a size in bytes" },
    { "StoreCommitDelay=100001",
      "t.conf:1: StoreCommitDelay: '100001' is out of range" },
    { "JobRequeue=maybe", "t.conf:1: JobRequeue: 'maybe' is not YES or NO" },
    { "LogLevel=loud", "t.conf:1: LogLevel: 'loud' is not a log level" },
    { "DebugFlags=sched,bogus",
      "t.conf:1: DebugFlags: unknown debug flag 'bogus'" },
    { "StateDir=", "t.conf:1: StateDir: missing value" },
    { "ClusterName=\"\"", "t.conf:1: ClusterName: missing value" },
    { "NodeTimeout=5",
      "t.conf:1: NodeTimeout: 5 must be greater than HeartbeatInterval "
      "(10)" },
    { "ClusterName=x\nHeartbeatInterval=120",
      "t.conf:2: HeartbeatInterval: 120 must be less than NodeTimeout "
      "(60)" },
    /* nodes */
    { "NodeName= CPUs=1", "t.conf:1: NodeName: missing value" },
    { "NodeName=rig[01-", "t.conf:1: NodeName: bad hostlist" },
    { "NodeName=rig01 Gpus=rtx4090:x",
      "t.conf:1: Gpus: bad GPU count 'x' in 'rtx4090:x'" },
    { "NodeName=rig01 Gpus=rtx4090:65",
      "t.conf:1: Gpus: bad GPU count '65' in 'rtx4090:65'" },
    { "NodeName=rig01 Gpus=rtx4090:0", "t.conf:1: Gpus: bad GPU count '0'" },
    { "NodeName=rig01 Gpus=rtx4090:", "t.conf:1: Gpus: bad GPU count ''" },
    { "NodeName=rig01 Gpus=4", "t.conf:1: Gpus: bad GPU type '4' in '4'" },
    { "NodeName=rig01 Gpus=a:1,,b:1",
      "t.conf:1: Gpus: empty item in GPU list 'a:1,,b:1'" },
    { "NodeName=rig01 Gpus=a:1,", "t.conf:1: Gpus: empty item" },
    { "NodeName=rig01 Gpus=a:1,A:2",
      "t.conf:1: Gpus: GPU type 'a' listed twice in 'a:1,A:2'" },
    { "NodeName=rig01 Gpus=gpu:a:1", "t.conf:1: Gpus: bad GPU item 'gpu:a:1'" },
    { "NodeName=rig01 Gres=mps:100",
      "t.conf:1: Gres: only gpu is supported, not 'mps:100'" },
    { "NodeName=rig01 Gres=gpus:a:1", "t.conf:1: Gres: only gpu is supported" },
    { "NodeName=rig01 Gres=gpu:4",
      "t.conf:1: Gres: missing GPU type in 'gpu:4'" },
    { "NodeName=rig01 Gres=gpu:a:x",
      "t.conf:1: Gres: bad GPU count 'x' in 'gpu:a:x'" },
    { "NodeName=rig01 NetworkTier=fast",
      "t.conf:1: NetworkTier: 'fast' is not one of standard, high, ultra" },
    { "NodeName=rig01 RealMemory=lots", "t.conf:1: RealMemory: bad " },
    { "NodeName=rig01 Port=65536", "t.conf:1: Port: '65536' is not a port" },
    { "NodeName=rig01\nNodeName=rig[00-02]",
      "t.conf:2: NodeName: duplicate node 'rig01' (first defined at line "
      "1)" },
    { "NodeName=n[1-2]\nNodeName=DEFAULT CPUs=2\n\nNodeName=n2",
      "t.conf:4: NodeName: duplicate node 'n2' (first defined at line 1)" },
    { "NodeName=all", "t.conf:1: NodeName: node name 'all' is reserved" },
    { "NodeName=DEFAULT CPUs=z", "t.conf:1: CPUs: 'z' is not a number" },
    { "NodeName=n[0-100000]",
      "t.conf:1: NodeName: more than 100000 nodes in all" },
    /* partitions */
    { "PartitionName=", "t.conf:1: PartitionName: missing value" },
    { "PartitionName=\"a b\"",
      "t.conf:1: PartitionName: bad partition name 'a b'" },
    { "PartitionName=a,b", "t.conf:1: PartitionName: bad partition name" },
    { "PartitionName=a\nPartitionName=a",
      "t.conf:2: PartitionName: duplicate partition 'a' (first defined at "
      "line 1)" },
    { "NodeName=n1\nPartitionName=a Default=YES\nPartitionName=b "
      "Default=YES",
      "t.conf:3: PartitionName=b: Default: partition 'a' (line 2) is "
      "already the default" },
    { "NodeName=rig01\n\nPartitionName=gpu Nodes=rig01,rig99",
      "t.conf:3: PartitionName=gpu: Nodes: node 'rig99' is not defined" },
    { "NodeName=n\nPartitionName=p Nodes=n,n",
      "t.conf:2: PartitionName=p: Nodes: node 'n' is listed twice" },
    { "PartitionName=p Nodes=a[", "t.conf:1: Nodes: bad hostlist" },
    { "PartitionName=p MaxTime=1:00:00 DefaultTime=2:00:00",
      "t.conf:1: PartitionName=p: DefaultTime: 02:00:00 exceeds MaxTime "
      "01:00:00" },
    { "PartitionName=DEFAULT MaxTime=10\nPartitionName=p "
      "DefaultTime=UNLIMITED",
      "t.conf:2: PartitionName=p: DefaultTime: UNLIMITED exceeds MaxTime" },
    { "PartitionName=p MaxTime=forever", "t.conf:1: MaxTime: bad time " },
    { "PartitionName=p State=sleepy",
      "t.conf:1: State: 'sleepy' is not one of UP, DOWN, DRAIN, INACTIVE" },
    { "PartitionName=p MaxNodes=x", "t.conf:1: MaxNodes: 'x' is not a " },
    { "PartitionName=p Default=perhaps",
      "t.conf:1: Default: 'perhaps' is not YES or NO" },
    /* Include */
    { "Include", "t.conf:1: Include: expected one file name" },
    { "Include a b", "t.conf:1: Include: expected one file name" },
    { "Include /nonexistent/x.conf",
      "t.conf:1: Include: cannot open /nonexistent/x.conf: No such file" },
    { "include=/dev/null",
      "t.conf:1: include: cannot open /dev/null: not a regular file" },
};

static void test_bad(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct tess_error err = { "" };
        struct conf *c;

        errno = 0;
        c = conf_load_string("t.conf", bc->text, &err);
        if (c)
            fail_msg("config:\n%s\nloaded; wanted '%s'", bc->text, bc->error);
        if (errno != EINVAL)
            fail_msg("config:\n%s\nerrno %d, wanted EINVAL", bc->text, errno);
        if (strncmp(err.text, bc->error, strlen(bc->error)))
            fail_msg("config:\n%s\nwanted: %s...\ngot:    %s", bc->text,
                     bc->error, err.text);
        /* A NULL err is allowed. */
        assert_null(conf_load_string("t.conf", bc->text, NULL));
    }
}

/* ------------------------------------------------------- files, Include */

static char tmpdir[PATH_MAX];

static char *write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static int setup_tmpdir(void **state)
{
    const char *base = getenv("TMPDIR");

    snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
    static const char *const names[] = {
        "main.conf", "nodes.conf", "bad.conf",
        "loop.conf", "nul.conf",   "dup.conf"
    };

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        char *path = xasprintf("%s/%s", tmpdir, names[i]);
        unlink(path);
        free(path);
    }
    return rmdir(tmpdir);
}

static void test_load_file(void **state)
{
    struct tess_error err = { "" };
    char *path = write_file("main.conf", "ClusterName=file\n");
    char *missing = xasprintf("%s/missing.conf", tmpdir);
    char *want = NULL;
    struct conf *c = conf_load(path, &err);

    assert_non_null(c);
    assert_string_equal(c->cluster_name, "file");
    assert_string_equal(c->path, path);
    conf_destroy(c);

    errno = 0;
    assert_null(conf_load(missing, &err));
    assert_int_equal(errno, ENOENT);
    want = xasprintf("cannot open %s: %s", missing, strerror(ENOENT));
    assert_string_equal(err.text, want);
    free(want);

    errno = 0;
    assert_null(conf_load(tmpdir, &err));
    assert_int_equal(errno, EISDIR);
    want = xasprintf("cannot open %s: %s", tmpdir, strerror(EISDIR));
    assert_string_equal(err.text, want);
    free(want);

    /* A NUL byte cannot be represented in a line. */
    char *nul = xasprintf("%s/nul.conf", tmpdir);
    FILE *f = fopen(nul, "w");
    assert_non_null(f);
    fwrite("A=1\nB=2\0\n", 1, 9, f);
    fclose(f);
    errno = 0;
    assert_null(conf_load(nul, &err));
    assert_int_equal(errno, EINVAL);
    want = xasprintf("%s:2: NUL byte in line", nul);
    assert_string_equal(err.text, want);
    free(want);
    free(nul);

    free(missing);
    free(path);
}

static void test_include(void **state)
{
    struct tess_error err = { "" };
    char *nodes = write_file("nodes.conf", "NodeName=inc[1-3] CPUs=2\n"
                                           "KillWait=9\n");
    char *path =
        write_file("main.conf", "ClusterName=inc\n"
                                "Include nodes.conf # relative to this file\n"
                                "PartitionName=p Nodes=ALL\n");
    struct conf *c = conf_load(path, &err);
    char *want = NULL;

    if (!c)
        fail_msg("%s", err.text);
    assert_int_equal(c->nnodes, 3);
    assert_int_equal(c->kill_wait_s, 9);
    assert_int_equal(c->partitions[0].nnodes, 3);
    assert_int_equal(conf_find_node(c, "inc2")->cpus, 2);
    conf_destroy(c);

    /* An error inside an included file names that file. */
    char *bad = write_file("bad.conf", "\nNodeName=b CPUs=many\n");
    free(path);
    path = write_file("main.conf", "Include \"bad.conf\"\n");
    assert_null(conf_load(path, &err));
    want = xasprintf("%s:2: CPUs: 'many' is not a number", bad);
    assert_string_equal(err.text, want);
    free(want);

    /* Duplicates across files name the other file. */
    char *dup = write_file("dup.conf", "KillWait=1\nNodeName=inc1\n");
    free(path);
    path = write_file("main.conf", "Include nodes.conf\nInclude dup.conf\n");
    assert_null(conf_load(path, &err));
    want = xasprintf("%s:1: KillWait: duplicate key (first set at %s:2)", dup,
                     nodes);
    assert_string_equal(err.text, want);
    free(want);

    /* A file that includes itself stops at the nesting limit. */
    char *loop = write_file("loop.conf", "Include loop.conf\n");
    assert_null(conf_load(loop, &err));
    assert_non_null(strstr(err.text, "Include: includes nested more than 8 "
                                     "deep"));

    free(loop);
    free(dup);
    free(bad);
    free(path);
    free(nodes);
}

/* The shipped example must load and describe the local cluster. */
static void test_example(void **state)
{
    const char *srcdir = getenv("TESS_SRCDIR");
    struct tess_error err = { "" };
    char *path;
    struct conf *c;
    uint32_t gpus = 0;

    if (srcdir && *srcdir) {
        path = xasprintf("%s/contribs/tessera.conf.example", srcdir);
    } else {
        /* Relative to this source file: common/test/../../contribs. */
        const char *slash = strrchr(__FILE__, '/');
        int dirlen = slash ? (int)(slash - __FILE__) : 1;
        path = xasprintf("%.*s/../../contribs/tessera.conf.example", dirlen,
                         slash ? __FILE__ : ".");
    }
    c = conf_load(path, &err);
    if (!c)
        fail_msg("%s", err.text);
    assert_string_equal(c->cluster_name, "local");
    assert_string_equal(c->control_host, "127.0.0.1");
    assert_int_equal(c->control_port, 0);
    assert_int_equal(c->nnodes, 7);
    for (size_t i = 0; i < c->nnodes; i++) {
        assert_non_null(c->nodes[i].provider);
        assert_non_null(c->nodes[i].region);
        for (size_t j = 0; j < c->nodes[i].ngpus; j++)
            gpus += c->nodes[i].gpus[j].count;
    }
    assert_int_equal(gpus, 40);
    assert_string_equal(conf_find_node(c, "rig04")->network_tier, "standard");
    assert_int_equal(conf_find_node(c, "rig04")->real_memory_mib, 65536);
    assert_string_equal(conf_find_node(c, "a100-02")->gpus[0].type,
                        "a100-sxm4-80gb");
    assert_string_equal(conf_find_node(c, "h100-01")->network_tier, "ultra");
    assert_int_equal(conf_find_node(c, "h100-01")->cpus, 96);
    assert_int_equal(c->npartitions, 1);
    assert_ptr_equal(c->default_partition, conf_find_partition(c, "general"));
    assert_int_equal(c->default_partition->nnodes, 7);
    assert_int_equal(c->default_partition->max_time_min, 7 * 24 * 60);
    assert_int_equal(c->default_partition->default_time_min, 60);
    conf_destroy(c);
    free(path);
}

/* --------------------------------------------------------- other tests */

static void test_lookup(void **state)
{
    struct tess_error err = { "" };
    struct conf *c = conf_load_string("t.conf",
                                      "NodeName=a,b\n"
                                      "PartitionName=one Nodes=a\n"
                                      "PartitionName=two Nodes=b Default=YES",
                                      &err);

    assert_non_null(c);
    assert_ptr_equal(conf_find_node(c, "a"), &c->nodes[0]);
    assert_ptr_equal(conf_find_node(c, "b"), &c->nodes[1]);
    assert_null(conf_find_node(c, "A"));
    assert_null(conf_find_node(c, "c"));
    assert_ptr_equal(conf_find_partition(c, "two"), &c->partitions[1]);
    assert_ptr_equal(c->default_partition, &c->partitions[1]);
    assert_null(conf_find_partition(c, "three"));
    assert_int_equal(c->nodes[1].line, 1);
    assert_int_equal(c->partitions[1].line, 3);
    assert_string_equal(c->partitions[0].nodes_expr, "a");
    conf_destroy(c);

    /* A conf built by hand (no index) still answers lookups. */
    struct conf_node nodes[2] = { { .name = (char *)"x" },
                                  { .name = (char *)"y" } };
    struct conf_partition parts[1] = { { .name = (char *)"p" } };
    struct conf hand = {
        .nodes = nodes, .nnodes = 2, .partitions = parts, .npartitions = 1
    };
    assert_ptr_equal(conf_find_node(&hand, "y"), &nodes[1]);
    assert_null(conf_find_node(&hand, "z"));
    assert_ptr_equal(conf_find_partition(&hand, "p"), &parts[0]);

    conf_destroy(NULL);
}

/* 10,000 nodes in one partition load well within the test's second. */
static void test_large(void **state)
{
    struct tess_error err = { "" };
    struct timespec t0;
    struct timespec t1;
    struct conf *c;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    c = conf_load_string("t.conf",
                         "NodeName=n[00001-10000] CPUs=8 Gpus=a:1\n"
                         "PartitionName=all Nodes=ALL\n"
                         "PartitionName=half Nodes=n[00001-05000]\n",
                         &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!c)
        fail_msg("%s", err.text);
    assert_int_equal(c->nnodes, 10000);
    assert_int_equal(c->partitions[0].nnodes, 10000);
    assert_int_equal(c->partitions[1].nnodes, 5000);
    assert_string_equal(conf_find_node(c, "n07777")->name, "n07777");
    assert_string_equal(c->partitions[1].nodes[4999], "n05000");
    assert_true((t1.tv_sec - t0.tv_sec) * 1000000000L +
                    (t1.tv_nsec - t0.tv_nsec) <
                500000000L);
    conf_destroy(c);
}

/* conf_print lists every global key in table order, and its output reads
 * back to the same configuration. */
static void test_print_round_trip(void **state)
{
    const struct conf_scope *g = &conf_table_scopes[CONF_SCOPE_GLOBAL];
    struct tess_error err = { "" };
    struct conf *c = conf_load_string(
        "t.conf",
        "ClusterName=\"two words\" TessUser=a#b\n"
        "StateDir=\"/tmp/x y\" SpoolDir=/s/%n DebugFlags=launch,auth\n"
        "LogLevel=verbose MaxMessageSize=1M JobRequeue=NO ControlPort=0\n",
        &err);
    char *first;
    char *second;
    char *line;
    size_t n = 0;

    if (!c)
        fail_msg("%s", err.text);
    assert_string_equal(c->tess_user, "a");
    first = print_conf(c);
    conf_destroy(c);
    assert_non_null(
        strstr(first, "\nControlSocket=\"/tmp/x y/tessctld.sock\"\n"));
    assert_non_null(strstr(first, "\nDebugFlags=auth,launch\n"));

    /* One line per global key, in table order. */
    line = first;
    for (size_t r = 0; r < g->nkeys; r++) {
        size_t len = strlen(g->keys[r].name);
        assert_int_equal(strncmp(line, g->keys[r].name, len), 0);
        assert_int_equal(line[len], '=');
        line = strchr(line, '\n');
        assert_non_null(line);
        line++;
        n++;
    }
    assert_string_equal(line, "");
    assert_int_equal(n, g->nkeys);

    c = conf_load_string("printed", first, &err);
    if (!c)
        fail_msg("%s\n%s", first, err.text);
    second = print_conf(c);
    assert_string_equal(first, second);
    conf_destroy(c);
    free(first);
    free(second);
}

/* Every key of every scope is documented, and no spelling is ambiguous. */
static void test_key_docs(void **state)
{
    size_t count = 0;
    const struct conf_key_doc *docs = conf_key_docs(&count);
    size_t total = 0;

    for (int s = 0; s < CONF_SCOPE_COUNT; s++)
        total += conf_table_scopes[s].nkeys;
    assert_int_equal(count, total);
    assert_ptr_equal(conf_key_docs(&count), docs);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(docs[i].scope);
        assert_non_null(docs[i].key);
        if (!docs[i].help || strlen(docs[i].help) < 10)
            fail_msg("%s key %s has no help", docs[i].scope, docs[i].key);
        assert_null(strchr(docs[i].help, '\n'));
    }

    /* Names and aliases are unique across all scopes. */
    const char *names[256];
    size_t n = 0;
    for (int s = 0; s < CONF_SCOPE_COUNT; s++) {
        const struct conf_scope *sc = &conf_table_scopes[s];
        for (size_t r = 0; r < sc->nkeys; r++) {
            const struct conf_key *k = &sc->keys[r];
            assert_true(n < ARRAY_SIZE(names));
            names[n++] = k->name;
            for (size_t a = 0; a < CONF_KEY_MAX_ALIASES && k->aliases[a]; a++) {
                assert_true(n < ARRAY_SIZE(names));
                names[n++] = k->aliases[a];
            }
            /* Record scopes start with their record key. */
            assert_int_equal(!!(k->flags & CONF_KEY_RECORD),
                             s != CONF_SCOPE_GLOBAL && r == 0);
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (!strcasecmp(names[i], names[j]))
                fail_msg("key '%s' appears twice", names[i]);
        }
    }
}

/* The debug flag names used for printing parse back to their bits. */
static void test_debug_flag_names(void **state)
{
    uint32_t all = 0;

    for (size_t i = 0; conf_table_debug_flags[i].name; i++) {
        uint32_t f = 0;
        assert_int_equal(log_flags_parse(conf_table_debug_flags[i].name, &f),
                         0);
        assert_int_equal(f, conf_table_debug_flags[i].flag);
        all |= f;
    }
    assert_int_equal(all, LOG_FLAG_SCHED | LOG_FLAG_WIRE | LOG_FLAG_AUTH |
                              LOG_FLAG_STORE | LOG_FLAG_LAUNCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_key_docs),
        cmocka_unit_test(test_debug_flag_names),
    };

    return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
