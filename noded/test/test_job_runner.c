/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the node daemon's job execution: the pure helpers (output
 * path patterns, the job environment) table-driven, then the runner with
 * real processes and a real event loop. Each runner test starts jobs,
 * drives the loop until the done callback fires (a safety timer fails the
 * test instead of hanging it), and checks the result, the files the job
 * wrote and that none of its processes survive. All paths come from
 * mkdtemp; the root-only cases (running as another user, cgroup modes,
 * memory limit) skip when they cannot run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>
#include <event2/event.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/job_launch.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"
#include "noded/job_env.h"
#include "noded/job_runner.h"
#include "noded/output_path.h"

#define SAFETY_S  5
/* A borrowed literal in a char * vector (job_launch's types). */
#define V(s)      ((char *)(s))
#define TEST_USER "tessjobtest"

/* ------------------------------------------------------------ helpers */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    int c;

    if (!f)
        return NULL;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? cap * 2 : 256;
            buf = xrealloc(buf, cap);
        }
        buf[len++] = (char)c;
    }
    fclose(f);
    if (!buf)
        buf = xmalloc(1);
    buf[len] = '\0';
    return buf;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static int count_lines(const char *path)
{
    char *text = read_text(path);
    int n = 0;

    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* A process that exists and is not a zombie. */
static bool pid_alive(pid_t pid)
{
    char path[64];
    char *stat = NULL;
    const char *rp;
    bool alive;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (!(stat = read_text(path)))
        return false;
    rp = strrchr(stat, ')');
    alive = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
    free(stat);
    return alive;
}

static bool pid_exists(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    return access(path, F_OK) == 0;
}

static void rm_rf(const char *path)
{
    char *cmd = xasprintf("rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* ------------------------------------------------------------ fixture */

struct fx {
    char base_dir[64];
    char *spool_dir;
    char *work_dir;
    char node_name[32];
    struct event_base *base;
    struct job_runner *r;
    struct job_result res;
    int ndone;
    bool timed_out;
    /* a poll timer for run_until */
    bool (*pred)(struct fx *fx);
    char *pred_path;
    int pred_lines;
};

static void done_cb(const struct job_result *res, void *arg)
{
    struct fx *fx = arg;
    fx->res = *res;
    fx->ndone++;
    event_base_loopbreak(fx->base);
}

static struct fx *fx_new(const char *proctrack, uint32_t kill_wait_s,
                         struct tess_error *err)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    struct job_runner_params p = { 0 };

    snprintf(fx->base_dir, sizeof(fx->base_dir), "/tmp/tess-jr-XXXXXX");
    assert_non_null(mkdtemp(fx->base_dir));
    fx->spool_dir = xasprintf("%s/spool", fx->base_dir);
    fx->work_dir = xasprintf("%s/work", fx->base_dir);
    assert_int_equal(mkdir(fx->spool_dir, 0700), 0);
    assert_int_equal(mkdir(fx->work_dir, 0700), 0);
    snprintf(fx->node_name, sizeof(fx->node_name), "jrtest%d", (int)getpid());
    fx->base = event_base_new();
    assert_non_null(fx->base);
    p.node_name = fx->node_name;
    p.spool_dir = fx->spool_dir;
    p.kill_wait_s = kill_wait_s;
    p.node_addr = "127.0.0.1";
    p.proctrack = proctrack;
    p.minute_ms = 200;
    fx->r = job_runner_create(fx->base, &p, done_cb, fx, err);
    return fx;
}

static void fx_free(struct fx *fx)
{
    if (!fx)
        return;
    job_runner_destroy(fx->r);
    if (fx->base)
        event_base_free(fx->base);
    rm_rf(fx->base_dir);
    free(fx->spool_dir);
    free(fx->work_dir);
    free(fx->pred_path);
    free(fx);
}

static int setup(void **state)
{
    struct tess_error err = { "" };
    struct fx *fx = fx_new(NULL, 1, &err);
    if (!fx->r)
        fail_msg("job_runner_create: %s", err.text);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static void safety_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fx *fx = arg;
    fx->timed_out = true;
    event_base_loopbreak(fx->base);
}

/* Drive the loop until 'want' jobs have ended, or fail after SAFETY_S. */
static void run_until_done(struct fx *fx, int want)
{
    struct timeval tv = { SAFETY_S, 0 };
    struct event *safety = evtimer_new(fx->base, safety_cb, fx);

    evtimer_add(safety, &tv);
    while (fx->ndone < want && !fx->timed_out)
        event_base_loop(fx->base, EVLOOP_ONCE);
    event_free(safety);
    if (fx->timed_out)
        fail_msg("no job end within %d s", SAFETY_S);
}

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fx *fx = arg;
    if (fx->pred(fx))
        event_base_loopbreak(fx->base);
}

/* Drive the loop until pred(fx) holds (checked every 10 ms). */
static void run_until(struct fx *fx, bool (*pred)(struct fx *fx))
{
    struct timeval tv = { SAFETY_S, 0 };
    struct timeval tick = { 0, 10000 };
    struct event *safety = evtimer_new(fx->base, safety_cb, fx);
    struct event *poll = event_new(fx->base, -1, EV_PERSIST, poll_cb, fx);

    fx->pred = pred;
    evtimer_add(safety, &tv);
    evtimer_add(poll, &tick);
    while (!pred(fx) && !fx->timed_out)
        event_base_loop(fx->base, EVLOOP_ONCE);
    event_free(poll);
    event_free(safety);
    if (fx->timed_out)
        fail_msg("condition not met within %d s", SAFETY_S);
}

static bool pred_file_lines(struct fx *fx)
{
    return count_lines(fx->pred_path) >= fx->pred_lines;
}

static char *env_default[] = { V("PATH=/usr/local/bin:/usr/bin:/bin"),
                               V("SUBMITTED=yes"), V("SLURM_JOB_ID=999"),
                               NULL };

/* A launch with test defaults; strings are borrowed (static or the
 * fixture's), so there is nothing to free. */
static void launch_init(struct job_launch *l, struct fx *fx, uint32_t job_id,
                        const char *script)
{
    memset(l, 0, sizeof(*l));
    l->job_id = job_id;
    l->job_name = (char *)"jrtest";
    l->cluster_name = (char *)"testcluster";
    l->partition = (char *)"debug";
    l->uid = getuid();
    l->gid = getgid();
    l->user_name = (char *)"tester";
    l->work_dir = fx->work_dir;
    l->script = (char *)script;
    l->env = env_default;
    l->envc = 3;
    l->std_out = (char *)"%x-%j.out";
    l->open_mode = JOB_OPEN_TRUNCATE;
    l->time_limit_min = JOB_TIME_INFINITE;
    l->nodelist = (char *)"n[1-2]";
    l->nnodes = 2;
    l->node_index = 1;
    l->ntasks = 4;
    l->cpus_per_task = 2;
    l->cpus = 4;
}

static void start_ok(struct fx *fx, const struct job_launch *l)
{
    struct tess_error err = { "" };
    if (job_runner_start(fx->r, l, &err) < 0)
        fail_msg("job_runner_start: %s (%s)", err.text, strerror(errno));
}

static char *out_file(struct fx *fx, uint32_t job_id)
{
    char *path = xasprintf("%s/jrtest-%" PRIu32 ".out", fx->work_dir, job_id);
    char *text = read_text(path);
    free(path);
    return text;
}

/* ----------------------------------------------------- pure functions */

static void test_output_path(void **state)
{
    const struct output_path_ctx c = {
        .job_id = 42,
        .job_name = "train",
        .user_name = "alice",
        .node_name = "rig07",
        .node_index = 3,
        .work_dir = "/home/alice/run",
    };
    const struct output_path_ctx bare = { .job_id = 7 };
    static const struct {
        const char *pattern;
        const char *want;
    } cases[] = {
        { NULL, "/home/alice/run/tessera-42.out" },
        { "out.txt", "/home/alice/run/out.txt" },
        { "/abs/%j.log", "/abs/42.log" },
        { "%x-%j.%u.%N.%n", "/home/alice/run/train-42.alice.rig07.3" },
        { "/o/%A_%a", "/o/42_0" },
        { "/o/%5j-%3n-%2a", "/o/00042-003-00" },
        { "/o/100%%", "/o/100%" },
        { "/o/%s.%t.%q", "/o/%s.%t.%q" },
        { "/o/%3x", "/o/train" },
        { "/o/trailing%", "/o/trailing%" },
        { "/o/trailing%12", "/o/trailing%12" },
        { "/o/\\%j-%x", "/o/%j-%x" },
        { "\\/lit", "/lit" },
        { "%%j", "/home/alice/run/%j" },
        { "", "/home/alice/run/" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = output_path_expand(cases[i].pattern, &c);
        if (strcmp(got, cases[i].want))
            fail_msg("pattern '%s': got '%s', want '%s'",
                     cases[i].pattern ? cases[i].pattern : "(null)", got,
                     cases[i].want);
        free(got);
    }
    /* No work dir and no strings: relative stays relative, %x is empty. */
    char *got = output_path_expand("x%x-%j-%u-%N", &bare);
    assert_string_equal(got, "x-7--");
    free(got);
}

static void test_job_env(void **state)
{
    char *submitted[] = {
        V("PATH=/opt/bin"),
        V("SLURM_JOB_ID=1"),
        V("CUDA_VISIBLE_DEVICES=5"),
        V("SLURM_JOB_ACCOUNT=old"),
        V("TESS_MEM_PER_NODE=9"),
        V("BAD"),
        V("=noname"),
        V("DUP=1"),
        V("DUP=2"),
        V("PWD=/home/alice/src"),
        V("HOME=/custom"),
        NULL,
    };
    uint32_t gpus[] = { 0, 2 };
    struct passwd pw = {
        .pw_name = (char *)"alice",
        .pw_dir = (char *)"/home/alice",
        .pw_shell = (char *)"/bin/bash",
    };
    struct job_launch l;
    char **env = NULL;
    static const struct {
        const char *name;
        const char *want; /* NULL: must be unset */
    } with_gpus[] = {
        { "TESS_JOB_ID", "77" },
        { "SLURM_JOB_ID", "77" },
        { "SLURM_JOBID", "77" },
        { "TESS_JOB_NAME", "jrtest" },
        { "SLURM_JOB_NAME", "jrtest" },
        { "TESS_JOB_NODELIST", "n[1-2]" },
        { "SLURM_JOB_NODELIST", "n[1-2]" },
        { "SLURM_NODELIST", "n[1-2]" },
        { "TESS_NNODES", "2" },
        { "SLURM_NNODES", "2" },
        { "SLURM_JOB_NUM_NODES", "2" },
        { "TESS_NTASKS", "4" },
        { "SLURM_NTASKS", "4" },
        { "SLURM_NPROCS", "4" },
        { "TESS_CPUS_PER_TASK", "2" },
        { "SLURM_CPUS_PER_TASK", "2" },
        { "TESS_NODEID", "1" },
        { "SLURM_NODEID", "1" },
        { "TESS_JOB_PARTITION", "debug" },
        { "SLURM_JOB_PARTITION", "debug" },
        { "TESS_JOB_ACCOUNT", "proj" },
        { "SLURM_JOB_ACCOUNT", "proj" },
        { "TESS_CLUSTER_NAME", "testcluster" },
        { "SLURM_CLUSTER_NAME", "testcluster" },
        { "TESS_SUBMIT_DIR", "/home/alice/src" },
        { "SLURM_SUBMIT_DIR", "/home/alice/src" },
        { "TESS_JOB_USER", "tester" },
        { "SLURM_JOB_USER", "tester" },
        { "TESS_JOB_UID", "1234" },
        { "SLURM_JOB_UID", "1234" },
        { "TESS_JOB_GID", "5678" },
        { "SLURM_JOB_GID", "5678" },
        { "TESS_JOB_CPUS_PER_NODE", "4" },
        { "SLURM_JOB_CPUS_PER_NODE", "4" },
        { "TESS_MEM_PER_NODE", "2048" },
        { "SLURM_MEM_PER_NODE", "2048" },
        { "TESS_GPUS", "0,2" },
        { "TESS_JOB_GPUS", "0,2" },
        { "SLURM_JOB_GPUS", "0,2" },
        { "SLURM_GPUS_ON_NODE", "2" },
        { "CUDA_VISIBLE_DEVICES", "0,2" },
        { "SLURMD_NODENAME", "rig07" },
        { "TESSD_NODENAME", "rig07" },
        { "TESS_NODE_ADDR", "10.0.0.7" },
        { "PATH", "/opt/bin" },
        { "DUP", "2" },
        { "HOME", "/custom" },
        { "USER", "alice" },
        { "LOGNAME", "alice" },
        { "SHELL", "/bin/bash" },
        { "BAD", NULL },
    };
    struct fx fake = { .work_dir = (char *)"/w" };

    launch_init(&l, &fake, 77, "#!/bin/sh\n");
    l.env = submitted;
    l.account = (char *)"proj";
    l.uid = 1234;
    l.gid = 5678;
    l.mem_mib = 2048;
    l.gpu_indices = gpus;
    l.ngpus = 2;

    env = job_env_build(&l, "rig07", "10.0.0.7", &pw);
    for (size_t i = 0; i < sizeof(with_gpus) / sizeof(with_gpus[0]); i++) {
        const char *got = job_env_get(env, with_gpus[i].name);
        if (!with_gpus[i].want && got)
            fail_msg("%s: want unset, got '%s'", with_gpus[i].name, got);
        if (with_gpus[i].want && (!got || strcmp(got, with_gpus[i].want)))
            fail_msg("%s: got '%s', want '%s'", with_gpus[i].name,
                     got ? got : "(unset)", with_gpus[i].want);
    }
    /* Each name once, and no malformed entries. */
    for (size_t i = 0; env[i]; i++) {
        size_t len = strcspn(env[i], "=");
        assert_true(len > 0 && env[i][len] == '=');
        for (size_t k = i + 1; env[k]; k++)
            if (!strncmp(env[i], env[k], len + 1))
                fail_msg("%.*s appears twice", (int)len, env[i]);
    }
    job_env_free(env);

    /* No GPUs, no account, no memory size, no passwd entry: those
     * variables are unset even though the submitter had them. */
    l.gpu_indices = NULL;
    l.ngpus = 0;
    l.account = NULL;
    l.mem_mib = 0;
    char *bare[] = { V("CUDA_VISIBLE_DEVICES=5"), V("SLURM_JOB_ACCOUNT=old"),
                     V("PWD=relative"), NULL };
    l.env = bare;
    env = job_env_build(&l, "rig07", NULL, NULL);
    assert_null(job_env_get(env, "CUDA_VISIBLE_DEVICES"));
    assert_null(job_env_get(env, "SLURM_JOB_ACCOUNT"));
    assert_null(job_env_get(env, "TESS_GPUS"));
    assert_null(job_env_get(env, "SLURM_GPUS_ON_NODE"));
    assert_null(job_env_get(env, "TESS_MEM_PER_NODE"));
    assert_null(job_env_get(env, "TESS_NODE_ADDR"));
    assert_null(job_env_get(env, "HOME"));
    assert_string_equal(job_env_get(env, "TESS_SUBMIT_DIR"), "/w");
    assert_string_equal(job_env_get(env, "PATH"),
                        "/usr/local/bin:/usr/bin:/bin");
    job_env_free(env);
    job_env_free(NULL);
}

/* ------------------------------------------------------- runner: basics */

static void test_exit_zero(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    char *out = NULL;

    launch_init(&l, fx, 101, "#!/bin/sh\necho hello; pwd\n");
    start_ok(fx, &l);
    assert_true(job_runner_has(fx->r, 101));
    run_until_done(fx, 1);
    assert_int_equal(fx->res.job_id, 101);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    assert_int_equal(fx->res.exit_code, 0);
    assert_int_equal(fx->res.term_signal, 0);
    assert_false(job_runner_has(fx->r, 101));
    out = out_file(fx, 101);
    assert_non_null(out);
    char *want = xasprintf("hello\n%s\n", fx->work_dir);
    assert_string_equal(out, want);
    free(want);
    free(out);
    /* The spool directory is gone. */
    char *spool = xasprintf("%s/job_101", fx->spool_dir);
    assert_int_equal(access(spool, F_OK), -1);
    free(spool);
}

static void test_exit_code(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;

    launch_init(&l, fx, 102, "#!/bin/sh\nexit 3\n");
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_FAILED);
    assert_int_equal(fx->res.exit_code, 3);
    assert_int_equal(fx->res.term_signal, 0);
    assert_string_equal(fx->res.reason, "exit code 3");
}

static void test_killed_by_signal(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;

    launch_init(&l, fx, 103, "#!/bin/sh\nkill -USR1 $$\nsleep 5\n");
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_FAILED);
    assert_int_equal(fx->res.term_signal, SIGUSR1);
    assert_non_null(strstr(fx->res.reason, "killed by signal 10"));
}

static void test_no_shebang_and_args(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    char *args[] = { V("one"), V("two words"), NULL };
    char *out = NULL;

    launch_init(&l, fx, 104, "echo \"[$1] [$2] $#\"\n");
    l.argv = args;
    l.argc = 2;
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    out = out_file(fx, 104);
    assert_string_equal(out, "[one] [two words] 2\n");
    free(out);
}

static void test_output_files(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    const char *script = "#!/bin/sh\necho out; echo err >&2; cat\n";
    char *text = NULL;
    char *path = NULL;

    /* Separate files, with stdin from a file. */
    path = xasprintf("%s/in.txt", fx->work_dir);
    write_text(path, "input\n", 0644);
    free(path);
    launch_init(&l, fx, 105, script);
    l.std_out = (char *)"o-%j.txt";
    l.std_err = (char *)"e-%j.txt";
    l.std_in = (char *)"in.txt";
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    path = xasprintf("%s/o-105.txt", fx->work_dir);
    text = read_text(path);
    assert_string_equal(text, "out\ninput\n");
    free(text);
    free(path);
    path = xasprintf("%s/e-105.txt", fx->work_dir);
    text = read_text(path);
    assert_string_equal(text, "err\n");
    free(text);
    free(path);

    /* Merged (no stderr pattern), stdin /dev/null, then appended. */
    launch_init(&l, fx, 106, script);
    l.std_out = (char *)"m.txt";
    start_ok(fx, &l);
    run_until_done(fx, 2);
    l.open_mode = JOB_OPEN_APPEND;
    start_ok(fx, &l);
    run_until_done(fx, 3);
    path = xasprintf("%s/m.txt", fx->work_dir);
    text = read_text(path);
    assert_string_equal(text, "out\nerr\nout\nerr\n");
    free(text);
    /* Truncate again. */
    l.open_mode = JOB_OPEN_TRUNCATE;
    start_ok(fx, &l);
    run_until_done(fx, 4);
    text = read_text(path);
    assert_string_equal(text, "out\nerr\n");
    free(text);
    free(path);
}

static void test_env_in_job(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    uint32_t gpus[] = { 0, 2 };
    char *out = NULL;

    launch_init(&l, fx, 107,
                "#!/bin/sh\n"
                "echo \"id=$TESS_JOB_ID slurm=$SLURM_JOB_ID "
                "cuda=$CUDA_VISIBLE_DEVICES sub=$SUBMITTED "
                "node=$SLURMD_NODENAME\"\n");
    l.gpu_indices = gpus;
    l.ngpus = 2;
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    out = out_file(fx, 107);
    char *want =
        xasprintf("id=107 slurm=107 cuda=0,2 sub=yes node=%s\n", fx->node_name);
    assert_string_equal(out, want);
    free(want);
    free(out);

    /* Without GPUs CUDA_VISIBLE_DEVICES is unset, not empty. */
    launch_init(&l, fx, 108,
                "#!/bin/sh\necho \"cuda=${CUDA_VISIBLE_DEVICES-unset}\"\n");
    start_ok(fx, &l);
    run_until_done(fx, 2);
    out = out_file(fx, 108);
    assert_string_equal(out, "cuda=unset\n");
    free(out);
}

static void test_launch_failures(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;

    launch_init(&l, fx, 109, "#!/bin/sh\necho never\n");
    l.work_dir = (char *)"/nonexistent/tess-dir";
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_FAILED);
    assert_string_equal(fx->res.reason, "launch failed: chdir "
                                        "/nonexistent/tess-dir: No such "
                                        "file or directory");
    assert_int_equal(fx->res.exit_code, 1);

    /* Output file in a directory that does not exist. */
    launch_init(&l, fx, 110, "#!/bin/sh\necho never\n");
    l.std_out = (char *)"nodir/%j.out";
    start_ok(fx, &l);
    run_until_done(fx, 2);
    assert_int_equal(fx->res.state, JOB_FAILED);
    char *want = xasprintf("launch failed: open stdout %s/nodir/110.out: "
                           "No such file or directory",
                           fx->work_dir);
    assert_string_equal(fx->res.reason, want);
    free(want);

    /* A path too long for the reason keeps its ends and the errno text. */
    char longdir[600] = "/nonexistent/";
    memset(longdir + 13, 'a', 500);
    longdir[513] = '\0';
    launch_init(&l, fx, 112, "#!/bin/sh\necho never\n");
    l.work_dir = longdir;
    start_ok(fx, &l);
    run_until_done(fx, 3);
    assert_int_equal(fx->res.state, JOB_FAILED);
    assert_true(str_starts_with(fx->res.reason,
                                "launch failed: chdir /nonexistent/aaa"));
    assert_non_null(strstr(fx->res.reason, "aaa...aaa"));
    assert_non_null(strstr(fx->res.reason, "aaa: No such file or directory"));
    assert_int_equal(strlen(fx->res.reason), sizeof(fx->res.reason) - 1);

    /* An interpreter that does not exist. */
    launch_init(&l, fx, 111, "#!/nonexistent/interp\n");
    start_ok(fx, &l);
    run_until_done(fx, 4);
    assert_int_equal(fx->res.state, JOB_FAILED);
    assert_int_equal(fx->res.exit_code, 127);
    assert_string_equal(fx->res.reason,
                        "launch failed: exec interpreter "
                        "/nonexistent/interp: No such file or directory");
}

static void test_start_errors(void **state)
{
    struct fx *fx = *state;
    struct tess_error err = { "" };
    struct job_launch l;

    launch_init(&l, fx, 112, "");
    assert_int_equal(job_runner_start(fx->r, &l, &err), -1);
    assert_int_equal(errno, EINVAL);

    launch_init(&l, fx, 112, "#!/bin/sh\nsleep 5\n");
    start_ok(fx, &l);
    assert_int_equal(job_runner_start(fx->r, &l, &err), -1);
    assert_int_equal(errno, EEXIST);
    assert_string_equal(err.text, "job 112: already running here");

    assert_int_equal(job_runner_cancel(fx->r, 999), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(job_runner_signal(fx->r, 999, SIGUSR1), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(job_runner_signal(fx->r, 112, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(job_runner_signal(fx->r, 112, 1000), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(job_runner_cancel(fx->r, 112), 0);
    assert_int_equal(job_runner_cancel(fx->r, 112), 0); /* no change */
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_CANCELLED);
}

static void count_cb(uint32_t job_id, void *arg)
{
    uint32_t *sum = arg;
    *sum += job_id;
}

static void test_signal_and_foreach(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    uint32_t sum = 0;
    char *out = NULL;

    launch_init(&l, fx, 113,
                "#!/bin/sh\n"
                "trap 'echo got-USR1; exit 0' USR1\n"
                "echo ready > ready113\n"
                "while :; do sleep 0.05; done\n");
    start_ok(fx, &l);
    launch_init(&l, fx, 114, "#!/bin/sh\nsleep 5\n");
    start_ok(fx, &l);
    job_runner_foreach(fx->r, count_cb, &sum);
    assert_int_equal(sum, 113 + 114);

    fx->pred_path = xasprintf("%s/ready113", fx->work_dir);
    fx->pred_lines = 1;
    run_until(fx, pred_file_lines);
    assert_int_equal(job_runner_signal(fx->r, 113, SIGUSR1), 0);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.job_id, 113);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    /* The signal reaches every process of the job: the shell's sleep dies
     * of it too, which the shell may report on stderr (merged here). */
    out = out_file(fx, 113);
    assert_non_null(strstr(out, "got-USR1\n"));
    free(out);
    assert_true(job_runner_has(fx->r, 114));
    /* job 114 is killed by teardown (job_runner_destroy). */
}

static void test_timeout(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    struct timespec t0, t1;
    char *out = NULL;
    double elapsed;

    /* The script ignores SIGTERM (it only notes it), so the job must be
     * ended by the SIGKILL kill_wait_s (1 s) later. */
    launch_init(&l, fx, 115,
                "#!/bin/sh\n"
                "trap 'echo got-TERM' TERM\n"
                "while :; do sleep 0.05; done\n");
    l.time_limit_min = 1; /* 200 ms with the test's minute_ms */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    start_ok(fx, &l);
    run_until_done(fx, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed = (double)(t1.tv_sec - t0.tv_sec) +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(fx->res.state, JOB_TIMEOUT);
    assert_int_equal(fx->res.term_signal, SIGKILL);
    assert_string_equal(fx->res.reason, "time limit of 1 min reached");
    assert_true(elapsed >= 1.15 && elapsed < 4.0);
    out = out_file(fx, 115);
    assert_non_null(strstr(out, "got-TERM\n"));
    free(out);
}

static void test_leftovers_killed_at_exit(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    char *text = NULL;
    char *path = NULL;
    int pid;

    launch_init(&l, fx, 116,
                "#!/bin/sh\nsleep 300 &\necho $! > bg.pid\nexit 0\n");
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    path = xasprintf("%s/bg.pid", fx->work_dir);
    text = read_text(path);
    assert_non_null(text);
    pid = atoi(text);
    assert_true(pid > 0);
    assert_false(pid_alive(pid));
    free(text);
    free(path);
}

/* ------------------------------------------------ cancel: whole tree */

/* The job starts a setsid'd child and a double-forked one, both ignoring
 * SIGTERM, then waits; after cancel none of the three may be alive, and
 * all of them are soon reaped. */
static void cancel_tree(const char *mode)
{
    struct tess_error err = { "" };
    struct fx *fx = fx_new(mode, 1, &err);
    struct job_launch l;
    char *bg = NULL;
    char *script = NULL;
    char *text = NULL;
    pid_t pids[8];
    int npids = 0;

    if (!fx->r) {
        fx_free(fx);
        if (errno == ENOTSUP) {
            print_message("# proctrack %s not available: %s\n", mode, err.text);
            skip();
        }
        fail_msg("job_runner_create: %s", err.text);
    }
    assert_string_equal(job_runner_proctrack(fx->r), mode);
    bg = xasprintf("%s/bg.sh", fx->base_dir);
    write_text(bg,
               "#!/bin/sh\ntrap '' TERM\necho $$ >> \"$1/pids\"\n"
               "exec sleep 300\n",
               0755);
    script = xasprintf("#!/bin/sh\n"
                       "setsid /bin/sh %s %s &\n"
                       "/bin/sh -c '/bin/sh %s %s & exit 0'\n"
                       "echo $$ >> %s/pids\n"
                       "sleep 300\n",
                       bg, fx->base_dir, bg, fx->base_dir, fx->base_dir);
    launch_init(&l, fx, 200, script);
    start_ok(fx, &l);
    fx->pred_path = xasprintf("%s/pids", fx->base_dir);
    fx->pred_lines = 3;
    run_until(fx, pred_file_lines);

    text = read_text(fx->pred_path);
    for (char *p = text; p && *p && npids < 8; p = strchr(p, '\n') + 1) {
        pids[npids++] = (pid_t)atoi(p);
        if (!strchr(p, '\n'))
            break;
    }
    free(text);
    assert_int_equal(npids, 3);
    for (int i = 0; i < npids; i++)
        assert_true(pid_alive(pids[i]));

    assert_int_equal(job_runner_cancel(fx->r, 200), 0);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_CANCELLED);
    for (int i = 0; i < npids; i++)
        if (pid_alive(pids[i]))
            fail_msg("pid %d survived the cancel", (int)pids[i]);
    /* They were adopted by this process (child subreaper) and are reaped
     * by the runner's SIGCHLD handling. */
    for (int i = 0; i < npids; i++) {
        struct timespec pause = { 0, 10 * 1000 * 1000 };
        for (int k = 0; k < 200 && pid_exists(pids[i]); k++) {
            event_base_loop(fx->base, EVLOOP_NONBLOCK);
            nanosleep(&pause, NULL);
        }
        if (pid_exists(pids[i]))
            fail_msg("pid %d was never reaped", (int)pids[i]);
    }
    free(bg);
    free(script);
    fx_free(fx);
}

static void test_cancel_tree_cgroup2(void **state)
{
    cancel_tree("cgroup2");
}

static void test_cancel_tree_freezer(void **state)
{
    cancel_tree("freezer");
}

static void test_cancel_tree_pgrp(void **state)
{
    cancel_tree("pgrp");
}

/* ------------------------------------------- shutdown kills everything */

static void test_destroy_kills(void **state)
{
    struct tess_error err = { "" };
    struct fx *fx = fx_new(NULL, 1, &err);
    struct job_launch l;
    char *pidfile = NULL;
    char *text = NULL;
    pid_t pid;

    assert_non_null(fx->r);
    launch_init(&l, fx, 300,
                "#!/bin/sh\ntrap '' TERM\nsetsid sleep 300 &\n"
                "echo $! > pid300\nwait\n");
    start_ok(fx, &l);
    fx->pred_path = xasprintf("%s/pid300", fx->work_dir);
    fx->pred_lines = 1;
    run_until(fx, pred_file_lines);
    text = read_text(fx->pred_path);
    pid = (pid_t)atoi(text);
    free(text);
    assert_true(pid_alive(pid));
    job_runner_destroy(fx->r);
    fx->r = NULL;
    assert_false(pid_alive(pid));
    assert_int_equal(fx->ndone, 0);
    pidfile = xasprintf("%s/job_300", fx->spool_dir);
    assert_int_equal(access(pidfile, F_OK), -1);
    free(pidfile);
    fx_free(fx);
}

/* ------------------------------------------------------ users, limits */

/* Not root: starting a job for another uid is refused with EPERM. As
 * root, check it in a child that drops to nobody first. */
static void test_not_root_eperm(void **state)
{
    pid_t child;
    int status;

    if (geteuid() != 0) {
        struct tess_error err = { "" };
        struct fx *fx = fx_new(NULL, 1, &err);
        struct job_launch l;
        assert_non_null(fx->r);
        launch_init(&l, fx, 400, "#!/bin/sh\n");
        l.uid = getuid() + 1;
        assert_int_equal(job_runner_start(fx->r, &l, &err), -1);
        assert_int_equal(errno, EPERM);
        char *want = xasprintf("job 400: cannot run as uid %u: tessd is not "
                               "running as root",
                               (unsigned)l.uid);
        assert_string_equal(err.text, want);
        free(want);
        fx_free(fx);
        return;
    }
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct fx *fx = NULL;
        struct tess_error err = { "" };
        struct job_launch l;
        char dir[] = "/tmp/tess-jr-nobody-XXXXXX";
        int rc = 10;
        if (!mkdtemp(dir) || chown(dir, 65534, 65534) < 0 ||
            setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(2);
        log_set_level(LOG_LEVEL_ERROR);
        fx = xcalloc(1, sizeof(*fx));
        struct job_runner_params p = { .node_name = "jrnobody",
                                       .spool_dir = dir };
        fx->base = event_base_new();
        fx->r = job_runner_create(fx->base, &p, done_cb, fx, &err);
        if (!fx->r)
            _exit(3);
        fx->work_dir = dir;
        launch_init(&l, fx, 400, "#!/bin/sh\n");
        l.uid = 0;
        l.gid = 0;
        if (job_runner_start(fx->r, &l, &err) == -1 && errno == EPERM &&
            !strcmp(err.text, "job 400: cannot run as uid 0: tessd is not "
                              "running as root"))
            rc = 0;
        job_runner_destroy(fx->r);
        event_base_free(fx->base);
        rmdir(dir);
        _exit(rc);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_run_as_user(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    struct passwd *pw = NULL;
    struct stat st;
    char *path = NULL;
    char *text = NULL;
    char *want = NULL;

    if (geteuid() != 0) {
        print_message("# not root: cannot switch users\n");
        skip();
    }
    if (!getpwnam(TEST_USER) &&
        system("useradd -m " TEST_USER " >/dev/null 2>&1") != 0) {
        print_message("# useradd " TEST_USER " failed\n");
        skip();
    }
    assert_non_null(pw = getpwnam(TEST_USER));
    /* The user must reach the spool and work directories. */
    assert_int_equal(chmod(fx->base_dir, 0711), 0);
    assert_int_equal(chmod(fx->spool_dir, 0711), 0);
    assert_int_equal(chown(fx->work_dir, pw->pw_uid, pw->pw_gid), 0);

    launch_init(&l, fx, 500,
                "#!/bin/sh\nid -u; id -g; echo \"$HOME $USER\"\n"
                "touch /root/tess-should-fail 2>/dev/null || echo denied\n");
    l.uid = pw->pw_uid;
    l.gid = pw->pw_gid;
    l.user_name = (char *)TEST_USER;
    l.env = NULL;
    l.envc = 0;
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    path = xasprintf("%s/jrtest-500.out", fx->work_dir);
    text = read_text(path);
    want = xasprintf("%u\n%u\n%s %s\ndenied\n", (unsigned)pw->pw_uid,
                     (unsigned)pw->pw_gid, pw->pw_dir, TEST_USER);
    assert_string_equal(text, want);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    assert_int_equal(st.st_gid, pw->pw_gid);
    free(path);
    free(text);
    free(want);
}

static void test_memory_limit(void **state)
{
    struct fx *fx = *state;
    struct job_launch l;
    char *out = NULL;
    char *want = NULL;

    if (geteuid() != 0 || access("/sys/fs/cgroup/memory/cgroup.procs", W_OK)) {
        print_message("# no writable cgroup v1 memory controller\n");
        skip();
    }
    launch_init(&l, fx, 600,
                "#!/bin/sh\n"
                "cg=$(grep ':memory:' /proc/self/cgroup | cut -d: -f3)\n"
                "echo \"$cg\"\n"
                "cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes\n");
    l.mem_mib = 64;
    start_ok(fx, &l);
    run_until_done(fx, 1);
    assert_int_equal(fx->res.state, JOB_COMPLETED);
    out = out_file(fx, 600);
    /* The cgroup is named after the node and a hash of its spool dir. */
    want = xasprintf("/tessera/%s-", fx->node_name);
    if (!strstr(out, want) || !strstr(out, "/job_600\n67108864\n"))
        fail_msg("job output '%s' lacks '%s*/job_600' and the limit", out,
                 want);
    free(out);
    free(want);
}

int main(void)
{
    const char *level = getenv("TEST_LOG_LEVEL");
    enum log_level lvl = LOG_LEVEL_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_path),
        cmocka_unit_test(test_job_env),
        cmocka_unit_test_setup_teardown(test_exit_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_shebang_and_args, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_in_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_launch_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_and_foreach, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftovers_killed_at_exit, setup,
                                        teardown),
        cmocka_unit_test(test_cancel_tree_cgroup2),
        cmocka_unit_test(test_cancel_tree_freezer),
        cmocka_unit_test(test_cancel_tree_pgrp),
        cmocka_unit_test(test_destroy_kills),
        cmocka_unit_test(test_not_root_eperm),
        cmocka_unit_test_setup_teardown(test_run_as_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, setup, teardown),
    };

    if (level && log_level_parse(level, &lvl) < 0)
        lvl = LOG_LEVEL_DEBUG;
    log_init("test_job_runner", lvl);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
