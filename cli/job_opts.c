/* SPDX-License-Identifier: Apache-2.0 */
/* Job options: the option table and the parser that applies option words
 * to a job_desc, for the command line and for the #SBATCH / #TESS
 * directives that job_script.c finds in a batch script and splits into
 * words. One const table has a row per option (names, argument, handler,
 * help); it drives the parser for both sources and the --help text. A parse
 * works on a copy of the job_desc and swaps it in only when every option was
 * good, so a failure changes nothing. The script is applied before the
 * command line, which is how the command line wins; a parse remembers
 * which option of a group (memory, GPUs) it has seen, to reject two of a
 * group in one source and to let a later source replace the whole group.
 * Options this version accepts but does not act on are a second const
 * table, checked against the final job_desc to produce warnings. */
#include "config.h"

#include "cli/job_opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/job_opts_private.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/parse_time.h"
#include "common/strutil.h"
#include "common/xalloc.h"

/* How many bytes of a bad value a message quotes. */
#define QUOTE_MAX   64
/* The left column of the --help text. */
#define HELP_COLUMN 35

#define WRAP_HEADER \
    "#!/bin/sh\n# This script was created by tess batch --wrap.\n"

static const char *const group_conflict[GROUP_COUNT] = {
    [GROUP_MEM] = "--mem, --mem-per-cpu and --mem-per-gpu are mutually "
                  "exclusive",
    [GROUP_GPU] = "--gpus, --gpus-per-node, --gpus-per-task and --gres are "
                  "mutually exclusive",
};

typedef int (*opt_handler_fn)(struct opt_parse *ps, const struct opt_row *row,
                              const char *arg);

struct opt_row {
    const char *long_name; /* without the leading "--" */
    char short_name;       /* 0 when there is none */
    bool has_arg;
    opt_handler_fn handler;
    size_t offset; /* the job_desc member, for shared handlers */
    enum opt_group group;
    bool is_cli_only;     /* refused in directives */
    const char *arg_name; /* in --help; NULL when !has_arg */
    const char *help;
};

/* ---------------------------------------------------------------- errors */

/* Fill err, prefixed with "PATH:LINE: " in a script; errno EINVAL. */
int job_opts_fail(struct opt_parse *ps, const char *fmt, ...)
{
    char msg[sizeof(((struct tess_error *)NULL)->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    errno = EINVAL;
    if (ps->path)
        return tess_errprintf(ps->err, "%s:%u: %s", ps->path, ps->line, msg);
    return tess_errprintf(ps->err, "%s", msg);
}

/* "--OPT: bad WHAT 'VALUE': REASON" */
static int bad_value(struct opt_parse *ps, const struct opt_row *row,
                     const char *what, const char *arg, const char *reason)
{
    char *quoted = str_escape(arg, QUOTE_MAX);

    job_opts_fail(ps, "--%s: bad %s '%s': %s", row->long_name, what, quoted,
                  reason);
    free(quoted);
    return -1;
}

/* ---------------------------------------------------------------- text */

/* The length of the valid UTF-8 sequence at s (avail bytes left), or 0.
 * The same rules as jansson: no overlongs, surrogates or > U+10FFFF. */
size_t job_opts_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t n;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0;
    else if (s[0] == 0xed)
        hi = 0x9f;
    else if (s[0] == 0xf0)
        lo = 0x90;
    else if (s[0] == 0xf4)
        hi = 0x8f;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    }
    return n;
}

static bool is_utf8(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        size_t n = job_opts_utf8_seq_len(u + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* A value that will be stored as text: non-empty, at most max bytes and
 * valid UTF-8, so that it always survives the job.submit codec. */
static int check_text(struct opt_parse *ps, const struct opt_row *row,
                      const char *arg, size_t max)
{
    size_t len = strlen(arg);

    if (len == 0)
        return job_opts_fail(ps, "--%s: empty value", row->long_name);
    if (len > max)
        return job_opts_fail(ps, "--%s: value longer than %zu bytes",
                             row->long_name, max);
    if (!is_utf8(arg, len))
        return job_opts_fail(ps, "--%s: value is not valid UTF-8",
                             row->long_name);
    return 0;
}

static void *member(struct opt_parse *ps, const struct opt_row *row)
{
    return (char *)ps->jd + row->offset;
}

/* ---------------------------------------------------------------- handlers */

static int h_string(struct opt_parse *ps, const struct opt_row *row,
                    const char *arg)
{
    char **p = member(ps, row);

    if (check_text(ps, row, arg, JOB_STR_MAX) < 0)
        return -1;
    free(*p);
    *p = xstrdup(arg);
    return 0;
}

static int parse_count(struct opt_parse *ps, const struct opt_row *row,
                       const char *what, const char *arg, unsigned min,
                       uint32_t *out)
{
    unsigned long long v;
    char reason[64];

    if (str_to_u64(arg, min, JOB_COUNT_MAX, &v) < 0) {
        snprintf(reason, sizeof(reason), "expected an integer %u..%u", min,
                 JOB_COUNT_MAX);
        return bad_value(ps, row, what, arg, reason);
    }
    *out = (uint32_t)v;
    return 0;
}

static int h_count(struct opt_parse *ps, const struct opt_row *row,
                   const char *arg)
{
    return parse_count(ps, row, "count", arg, 1, member(ps, row));
}

/* -N MIN[-MAX] */
static int h_nodes(struct opt_parse *ps, const struct opt_row *row,
                   const char *arg)
{
    const char *dash = strchr(arg, '-');
    char *min_s = xstrndup(arg, dash ? (size_t)(dash - arg) : strlen(arg));
    unsigned long long min = 0;
    unsigned long long max = 0;
    int rc = -1;

    if (str_to_u64(min_s, 1, JOB_COUNT_MAX, &min) < 0 ||
        (dash && str_to_u64(dash + 1, 1, JOB_COUNT_MAX, &max) < 0)) {
        bad_value(ps, row, "node count", arg,
                  "expected MIN or MIN-MAX, each 1..100000");
        goto out;
    }
    if (dash && max < min) {
        bad_value(ps, row, "node count", arg, "maximum below minimum");
        goto out;
    }
    ps->jd->min_nodes = (uint32_t)min;
    ps->jd->max_nodes = (uint32_t)max;
    rc = 0;
out:
    free(min_s);
    return rc;
}

static int h_time(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    struct tess_error sub = { "" };
    uint32_t minutes;

    if (parse_time_limit(arg, &minutes, &sub) < 0)
        return job_opts_fail(ps, "--%s: %s", row->long_name, sub.text);
    if (minutes == JOB_TIME_UNSET)
        return bad_value(ps, row, "time limit", arg, "too large");
    ps->jd->time_limit_min = minutes;
    return 0;
}

/* Claim 'row's group for this source and clear what an earlier source
 * put there. Two different options of a group in one source conflict. */
static int group_claim(struct opt_parse *ps, const struct opt_row *row)
{
    const struct opt_row *prev = ps->group_row[row->group];
    struct job_desc *jd = ps->jd;

    if (prev && prev != row)
        return job_opts_fail(ps, "%s", group_conflict[row->group]);
    ps->group_row[row->group] = row;
    if (row->group == GROUP_MEM) {
        jd->mem_per_node_mib = 0;
        jd->is_mem_whole_node = false;
        jd->mem_per_cpu_mib = 0;
        jd->mem_per_gpu_mib = 0;
    } else if (row->group == GROUP_GPU) {
        XFREE(jd->gpu_type);
        jd->gpus = 0;
        jd->gpus_per_node = 0;
        jd->gpus_per_task = 0;
    }
    return 0;
}

/* --mem, --mem-per-cpu, --mem-per-gpu */
static int h_mem(struct opt_parse *ps, const struct opt_row *row,
                 const char *arg)
{
    bool is_per_node =
        row->offset == offsetof(struct job_desc, mem_per_node_mib);
    struct tess_error sub = { "" };
    uint64_t mib;
    char reason[64];

    if (parse_size_mib(arg, &mib, &sub) < 0)
        return job_opts_fail(ps, "--%s: %s", row->long_name, sub.text);
    if (mib > JOB_MEM_MAX_MIB) {
        snprintf(reason, sizeof(reason), "more than %llu MiB",
                 (unsigned long long)JOB_MEM_MAX_MIB);
        return bad_value(ps, row, "size", arg, reason);
    }
    if (mib == 0 && !is_per_node)
        return bad_value(ps, row, "size", arg, "expected at least 1M");
    if (group_claim(ps, row) < 0)
        return -1;
    if (mib == 0)
        ps->jd->is_mem_whole_node = true;
    else
        *(uint64_t *)member(ps, row) = mib;
    return 0;
}

/* A GPU type name, lower-cased into a new string, or NULL if bad. */
static char *gpu_type_dup(const char *s, size_t len)
{
    char *t = NULL;

    if (len == 0 || len > JOB_GPU_TYPE_MAX)
        return NULL;
    t = xstrndup(s, len);
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c >= 'A' && c <= 'Z')
            t[i] = (char)(c - 'A' + 'a');
        else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
                 c != '_' && c != '-' && c != '.') {
            free(t);
            return NULL;
        }
    }
    return t;
}

/* Replace the job's GPU request; count 0 drops it. Takes ownership of
 * 'type'. */
static int gpu_apply(struct opt_parse *ps, const struct opt_row *row,
                     char *type, uint32_t count)
{
    if (group_claim(ps, row) < 0) {
        free(type);
        return -1;
    }
    if (count == 0) {
        free(type);
        return 0;
    }
    ps->jd->gpu_type = type;
    *(uint32_t *)member(ps, row) = count;
    return 0;
}

#define GPU_SYNTAX                                                           \
    "expected [TYPE:]COUNT, COUNT 0..100000, TYPE of letters, digits, '_', " \
    "'-' or '.'"

/* --gpus, --gpus-per-node, --gpus-per-task: [TYPE:]N */
static int h_gpus(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    const char *colon = strchr(arg, ':');
    const char *count_s = colon ? colon + 1 : arg;
    unsigned long long count;
    char *type = NULL;

    if (strchr(arg, ','))
        return bad_value(ps, row, "GPU request", arg,
                         "only one GPU type per job is supported");
    if (str_to_u64(count_s, 0, JOB_COUNT_MAX, &count) < 0 ||
        (colon && !(type = gpu_type_dup(arg, (size_t)(colon - arg)))))
        return bad_value(ps, row, "GPU request", arg, GPU_SYNTAX);
    return gpu_apply(ps, row, type, (uint32_t)count);
}

/* --gres=gpu[:TYPE][:N] (Slurm's GRES syntax, GPUs only), or "none" */
static int h_gres(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    const char *rest = NULL;
    const char *colon = NULL;
    unsigned long long count = 1;
    char *type = NULL;

    if (!strcasecmp(arg, "none"))
        return gpu_apply(ps, row, NULL, 0);
    if (strchr(arg, ','))
        return bad_value(ps, row, "GRES", arg,
                         "only one GRES, gpu, is supported");
    if (strncasecmp(arg, "gpu", 3) != 0 || (arg[3] != '\0' && arg[3] != ':'))
        return bad_value(ps, row, "GRES", arg,
                         "only gpu[:TYPE][:COUNT] is supported");
    if (arg[3] == ':') {
        rest = arg + 4;
        colon = strchr(rest, ':');
        if (colon) {
            /* gpu:TYPE:N */
            if (str_to_u64(colon + 1, 0, JOB_COUNT_MAX, &count) < 0 ||
                !(type = gpu_type_dup(rest, (size_t)(colon - rest))))
                return bad_value(ps, row, "GRES", arg,
                                 "expected gpu[:TYPE][:COUNT], COUNT "
                                 "0..100000");
        } else if (rest[0] >= '0' && rest[0] <= '9') {
            /* gpu:N */
            if (str_to_u64(rest, 0, JOB_COUNT_MAX, &count) < 0)
                return bad_value(ps, row, "GRES", arg,
                                 "expected gpu[:TYPE][:COUNT], COUNT "
                                 "0..100000");
        } else if (!(type = gpu_type_dup(rest, strlen(rest)))) {
            /* gpu:TYPE */
            return bad_value(ps, row, "GRES", arg,
                             "expected gpu[:TYPE][:COUNT], TYPE of letters, "
                             "digits, '_', '-' or '.'");
        }
    }
    return gpu_apply(ps, row, type, (uint32_t)count);
}

static int h_flag(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    *(bool *)member(ps, row) = true;
    return 0;
}

static int h_requeue(struct opt_parse *ps, const struct opt_row *row,
                     const char *arg)
{
    ps->jd->requeue = JOB_REQUEUE_YES;
    return 0;
}

static int h_no_requeue(struct opt_parse *ps, const struct opt_row *row,
                        const char *arg)
{
    ps->jd->requeue = JOB_REQUEUE_NO;
    return 0;
}

static int h_open_mode(struct opt_parse *ps, const struct opt_row *row,
                       const char *arg)
{
    if (!strcasecmp(arg, "append"))
        ps->jd->open_mode = JOB_OPEN_APPEND;
    else if (!strcasecmp(arg, "truncate"))
        ps->jd->open_mode = JOB_OPEN_TRUNCATE;
    else
        return bad_value(ps, row, "mode", arg, "expected append or truncate");
    return 0;
}

static int h_begin(struct opt_parse *ps, const struct opt_row *row,
                   const char *arg)
{
    struct tess_error sub = { "" };
    int64_t epoch;

    if (parse_begin_time(arg, ps->now, &epoch, &sub) < 0)
        return job_opts_fail(ps, "--%s: %s", row->long_name, sub.text);
    if (epoch < 1)
        return bad_value(ps, row, "begin time", arg, "before 1970");
    if (epoch > JOB_BEGIN_MAX)
        return bad_value(ps, row, "begin time", arg, "after 9999");
    ps->jd->begin_time = epoch;
    return 0;
}

static int h_wrap(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    if (check_text(ps, row, arg, JOB_SCRIPT_MAX - sizeof(WRAP_HEADER)) < 0)
        return -1;
    free(ps->jd->script);
    ps->jd->script = xasprintf("%s%s\n", WRAP_HEADER, arg);
    ps->has_wrap = true;
    return 0;
}

static int h_help(struct opt_parse *ps, const struct opt_row *row,
                  const char *arg)
{
    ps->wants_help = true;
    return 0;
}

/* ---------------------------------------------------------------- tables */

#define OFF(m) offsetof(struct job_desc, m)

/* Sorted by long name: this is also the order of --help. */
static const struct opt_row opt_table[] = {
    { "account", 'A', true, h_string, OFF(account), GROUP_NONE, false, "NAME",
      "charge the job to account NAME" },
    { "array", 'a', true, h_string, OFF(array), GROUP_NONE, false, "INDEXES",
      "submit a job array, e.g. 0-15%4" },
    { "begin", 0, true, h_begin, 0, GROUP_NONE, false, "TIME",
      "start no earlier than TIME (now+1hour)" },
    { "chdir", 'D', true, h_string, OFF(work_dir), GROUP_NONE, false, "DIR",
      "run in DIR (default: current directory)" },
    { "constraint", 'C', true, h_string, OFF(constraint), GROUP_NONE, false,
      "LIST", "run on nodes with these features" },
    { "cpus-per-task", 'c', true, h_count, OFF(cpus_per_task), GROUP_NONE,
      false, "N", "CPUs for each task (default: 1)" },
    { "dependency", 'd', true, h_string, OFF(dependency), GROUP_NONE, false,
      "LIST", "start after other jobs, e.g. afterok:42" },
    { "error", 'e', true, h_string, OFF(std_err), GROUP_NONE, false, "PATTERN",
      "stderr file (default: the stdout file)" },
    { "exclusive", 0, false, h_flag, OFF(exclusive), GROUP_NONE, false, NULL,
      "share no node with other jobs" },
    { "export", 0, true, h_string, OFF(export_env), GROUP_NONE, false,
      "ALL|NONE|VARS", "environment for the job (default: ALL)" },
    { "gpus", 'G', true, h_gpus, OFF(gpus), GROUP_GPU, false, "[TYPE:]N",
      "GPUs for the whole job" },
    { "gpus-per-node", 0, true, h_gpus, OFF(gpus_per_node), GROUP_GPU, false,
      "[TYPE:]N", "GPUs on each node" },
    { "gpus-per-task", 0, true, h_gpus, OFF(gpus_per_task), GROUP_GPU, false,
      "[TYPE:]N", "GPUs for each task" },
    { "gres", 0, true, h_gres, OFF(gpus_per_node), GROUP_GPU, false,
      "gpu[:TYPE][:N]", "GPUs on each node, Slurm's syntax" },
    { "help", 'h', false, h_help, 0, GROUP_NONE, true, NULL,
      "show this help and exit" },
    { "hold", 'H', false, h_flag, OFF(hold), GROUP_NONE, false, NULL,
      "submit the job held" },
    { "input", 'i', true, h_string, OFF(std_in), GROUP_NONE, false, "PATTERN",
      "stdin file (default: /dev/null)" },
    { "job-name", 'J', true, h_string, OFF(name), GROUP_NONE, false, "NAME",
      "name the job (default: the script name)" },
    { "mem", 0, true, h_mem, OFF(mem_per_node_mib), GROUP_MEM, false, "SIZE",
      "memory per node, e.g. 4G; 0 means all" },
    { "mem-per-cpu", 0, true, h_mem, OFF(mem_per_cpu_mib), GROUP_MEM, false,
      "SIZE", "memory for each CPU" },
    { "mem-per-gpu", 0, true, h_mem, OFF(mem_per_gpu_mib), GROUP_MEM, false,
      "SIZE", "memory for each GPU" },
    { "no-requeue", 0, false, h_no_requeue, 0, GROUP_NONE, false, NULL,
      "never requeue the job" },
    { "nodes", 'N', true, h_nodes, 0, GROUP_NONE, false, "MIN[-MAX]",
      "number of nodes (default: 1)" },
    { "ntasks", 'n', true, h_count, OFF(ntasks), GROUP_NONE, false, "N",
      "number of tasks (default: 1 per node)" },
    { "ntasks-per-node", 0, true, h_count, OFF(ntasks_per_node), GROUP_NONE,
      false, "N", "tasks on each node" },
    { "open-mode", 0, true, h_open_mode, 0, GROUP_NONE, false,
      "append|truncate", "output file mode (default: truncate)" },
    { "output", 'o', true, h_string, OFF(std_out), GROUP_NONE, false, "PATTERN",
      "stdout file (default: tessera-%j.out)" },
    { "partition", 'p', true, h_string, OFF(partition), GROUP_NONE, false,
      "NAME", "run in partition NAME" },
    { "qos", 'q', true, h_string, OFF(qos), GROUP_NONE, false, "NAME",
      "quality of service NAME" },
    { "requeue", 0, false, h_requeue, 0, GROUP_NONE, false, NULL,
      "requeue the job if its node fails" },
    { "signal", 0, true, h_string, OFF(signal), GROUP_NONE, false,
      "[{R|B}:]SIG[@SECS]", "send SIG SECS seconds before the end" },
    { "time", 't', true, h_time, 0, GROUP_NONE, false, "LIMIT",
      "limit: MM, HH:MM:SS, D-HH, UNLIMITED" },
    { "wait", 'W', false, h_flag, OFF(wait), GROUP_NONE, false, NULL,
      "wait for the job; exit with its status" },
    { "wrap", 0, true, h_wrap, 0, GROUP_NONE, true, "COMMAND",
      "run COMMAND with /bin/sh, no script" },
};

#define OPT_COUNT (sizeof(opt_table) / sizeof(opt_table[0]))

static bool is_export_partial(const struct job_desc *jd)
{
    return jd->export_env && strcasecmp(jd->export_env, "ALL") != 0;
}
static bool is_constraint_set(const struct job_desc *jd)
{
    return jd->constraint != NULL;
}
static bool is_array_set(const struct job_desc *jd)
{
    return jd->array != NULL;
}
static bool is_dependency_set(const struct job_desc *jd)
{
    return jd->dependency != NULL;
}
static bool is_signal_set(const struct job_desc *jd)
{
    return jd->signal != NULL;
}
static bool is_exclusive(const struct job_desc *jd)
{
    return jd->exclusive;
}
static bool is_qos_set(const struct job_desc *jd)
{
    return jd->qos != NULL;
}
static bool is_begin_set(const struct job_desc *jd)
{
    return jd->begin_time != 0;
}
static bool is_held(const struct job_desc *jd)
{
    return jd->hold;
}
static bool is_requeue(const struct job_desc *jd)
{
    return jd->requeue == JOB_REQUEUE_YES;
}
static bool is_no_requeue(const struct job_desc *jd)
{
    return jd->requeue == JOB_REQUEUE_NO;
}
static bool is_gpus_per_task_set(const struct job_desc *jd)
{
    return jd->gpus_per_task != 0;
}
static bool is_mem_per_gpu_set(const struct job_desc *jd)
{
    return jd->mem_per_gpu_mib != 0;
}
static bool is_mem_per_cpu_set(const struct job_desc *jd)
{
    return jd->mem_per_cpu_mib != 0;
}

/* Accepted but not yet acted on. Delete a row when the scheduler starts
 * honouring the option; --help and the warnings follow. */
static const struct opt_pending {
    const char *option;
    const char *consequence;
    bool (*is_in_effect)(const struct job_desc *jd);
} pending_table[] = {
    { "--array", "the job runs once", is_array_set },
    { "--begin", "the job may start at once", is_begin_set },
    { "--constraint", "node features are not matched", is_constraint_set },
    { "--dependency", "the job does not wait for other jobs",
      is_dependency_set },
    { "--exclusive", "the job may share its nodes", is_exclusive },
    { "--export", "the whole environment is exported", is_export_partial },
    { "--gpus-per-task", "GPUs are not allocated per task",
      is_gpus_per_task_set },
    { "--hold", "the job is eligible to start at once", is_held },
    { "--mem-per-cpu", "no memory limit is derived from it",
      is_mem_per_cpu_set },
    { "--mem-per-gpu", "no memory limit is derived from it",
      is_mem_per_gpu_set },
    { "--no-requeue", "the cluster's requeue policy applies", is_no_requeue },
    { "--qos", "no QOS limits or priority apply", is_qos_set },
    { "--requeue", "the cluster's requeue policy applies", is_requeue },
    { "--signal", "no signal is sent before the time limit", is_signal_set },
};

#define PENDING_COUNT (sizeof(pending_table) / sizeof(pending_table[0]))

_Static_assert(PENDING_COUNT <= JOB_OPTS_WARN_MAX,
               "JOB_OPTS_WARN_MAX is smaller than the pending table");

static const struct opt_pending *find_pending(const char *long_name)
{
    for (size_t i = 0; i < PENDING_COUNT; i++) {
        if (!strcmp(pending_table[i].option + 2, long_name))
            return &pending_table[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------- parser */

/* Exact match first, then a unique prefix, as getopt_long does. */
static const struct opt_row *find_long(const char *name, size_t len,
                                       bool *is_ambiguous)
{
    const struct opt_row *found = NULL;

    *is_ambiguous = false;
    if (len == 0)
        return NULL;
    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (strlen(opt_table[i].long_name) == len &&
            !strncmp(opt_table[i].long_name, name, len))
            return &opt_table[i];
    }
    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (strncmp(opt_table[i].long_name, name, len) != 0)
            continue;
        if (found) {
            *is_ambiguous = true;
            return NULL;
        }
        found = &opt_table[i];
    }
    return found;
}

static const struct opt_row *find_short(char c)
{
    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (opt_table[i].short_name && opt_table[i].short_name == c)
            return &opt_table[i];
    }
    return NULL;
}

static int apply(struct opt_parse *ps, const struct opt_row *row,
                 const char *arg)
{
    if (ps->path && row->is_cli_only)
        return job_opts_fail(ps, "--%s is only allowed on the command line",
                             row->long_name);
    return row->handler(ps, row, arg);
}

/* words[*i] is "--name[=value]"; on return *i is past what it used. */
static int parse_long(struct opt_parse *ps, int n, char *const *words, int *i)
{
    const char *name = words[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct opt_row *row = NULL;
    const char *arg = NULL;
    bool is_ambiguous;
    char *quoted = NULL;

    if (!(row = find_long(name, len, &is_ambiguous))) {
        char *s = xstrndup(name, len);
        quoted = str_escape(s, QUOTE_MAX);
        free(s);
        job_opts_fail(ps,
                      is_ambiguous ? "option '--%s' is ambiguous"
                                   : "unrecognized option '--%s'",
                      quoted);
        free(quoted);
        return -1;
    }
    if (row->has_arg) {
        if (eq)
            arg = eq + 1;
        else if (*i + 1 < n)
            arg = words[++*i];
        else
            return job_opts_fail(ps, "option '--%s' requires an argument",
                                 row->long_name);
    } else if (eq) {
        return job_opts_fail(ps, "option '--%s' doesn't allow an argument",
                             row->long_name);
    }
    ++*i;
    return apply(ps, row, arg);
}

/* words[*i] is "-abc": flags, the last of which may take an argument
 * (the rest of the word, or the next word). */
static int parse_short(struct opt_parse *ps, int n, char *const *words, int *i)
{
    const char *w = words[*i];
    int next = *i + 1;

    for (size_t j = 1; w[j] && !ps->wants_help; j++) {
        const struct opt_row *row = find_short(w[j]);
        const char *arg = NULL;

        if (!row) {
            char c[2] = { w[j], '\0' };
            char *quoted = str_escape(c, 1);
            job_opts_fail(ps, "unrecognized option '-%s'", quoted);
            free(quoted);
            return -1;
        }
        if (row->has_arg) {
            if (w[j + 1])
                arg = w + j + 1;
            else if (next < n)
                arg = words[next++];
            else
                return job_opts_fail(ps, "option '-%c' requires an argument",
                                     row->short_name);
            *i = next;
            return apply(ps, row, arg);
        }
        if (apply(ps, row, NULL) < 0)
            return -1;
    }
    *i = next;
    return 0;
}

/* Parse options in words[first..n) until the first operand, whose index
 * goes to *stop. In a directive (ps->path set) operands are errors. */
int job_opts_parse_words(struct opt_parse *ps, int n, char *const *words,
                         int first, int *stop)
{
    int i = first;

    while (i < n && !ps->wants_help) {
        const char *w = words[i];

        if (w[0] != '-' || w[1] == '\0' || !strcmp(w, "--")) {
            if (ps->path) {
                char *quoted = str_escape(w, QUOTE_MAX);
                job_opts_fail(ps, "unexpected argument '%s'", quoted);
                free(quoted);
                return -1;
            }
            if (!strcmp(w, "--"))
                i++;
            break;
        }
        if ((w[1] == '-' ? parse_long(ps, n, words, &i)
                         : parse_short(ps, n, words, &i)) < 0)
            return -1;
    }
    *stop = i;
    return 0;
}

/* Make the parsed copy the caller's job_desc. */
void job_opts_commit(struct job_desc *jd, struct job_desc *copy)
{
    struct job_desc old = *jd;

    *jd = *copy;
    *copy = old;
    job_desc_destroy(copy);
}

int job_opts_parse_argv(struct job_desc *jd, int argc, char *const *argv,
                        struct job_opts_cli *cli, struct tess_error *err)
{
    struct opt_parse ps = { .now = (int64_t)time(NULL), .err = err };
    int stop = argc;

    ps.jd = job_desc_copy(jd);
    if (job_opts_parse_words(&ps, argc, argv, argc > 0 ? 1 : 0, &stop) < 0)
        goto fail;
    if (ps.has_wrap && !ps.wants_help && stop < argc) {
        char *quoted = str_escape(argv[stop], QUOTE_MAX);
        job_opts_fail(&ps,
                      "--wrap: no script or script arguments may follow "
                      "(found '%s')",
                      quoted);
        free(quoted);
        goto fail;
    }
    job_opts_commit(jd, ps.jd);
    cli->optind = stop;
    cli->has_wrap = ps.has_wrap;
    cli->wants_help = ps.wants_help;
    return 0;
fail:
    job_desc_destroy(ps.jd);
    errno = EINVAL;
    return -1;
}

int job_opts_scan_argv(int argc, char *const *argv, struct job_opts_cli *cli,
                       struct tess_error *err)
{
    struct job_desc *scratch = job_desc_create();
    int rc = job_opts_parse_argv(scratch, argc, argv, cli, err);

    job_desc_destroy(scratch);
    return rc;
}

/* ---------------------------------------------------------------- output */

void job_opts_warnings(const struct job_desc *jd, struct job_opts_warn *warn)
{
    warn->count = 0;
    for (size_t i = 0; i < PENDING_COUNT; i++) {
        if (!pending_table[i].is_in_effect(jd))
            continue;
        warn->item[warn->count].option = pending_table[i].option;
        warn->item[warn->count].consequence = pending_table[i].consequence;
        warn->count++;
    }
}

void job_opts_print_warnings(const struct job_opts_warn *warn, const char *cmd,
                             FILE *fp)
{
    for (size_t i = 0; i < warn->count; i++)
        fprintf(fp, "%s: warning: %s is accepted but not yet acted on; %s\n",
                cmd, warn->item[i].option, warn->item[i].consequence);
}

void job_opts_print_usage(const char *cmd, FILE *fp)
{
    fprintf(fp,
            "Usage: %s [OPTIONS] SCRIPT [ARGS...]\n"
            "       %s [OPTIONS] --wrap=COMMAND\n"
            "\n"
            "Options may also be given on \"#SBATCH\" or \"#TESS\" lines at "
            "the top of\n"
            "SCRIPT; the command line wins.\n"
            "\n"
            "Options:\n",
            cmd, cmd);
    for (size_t i = 0; i < OPT_COUNT; i++) {
        const struct opt_row *row = &opt_table[i];
        char left[96];
        int n;

        if (row->short_name)
            n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", row->short_name,
                         row->long_name, row->arg_name ? "=" : "",
                         row->arg_name ? row->arg_name : "");
        else
            n = snprintf(left, sizeof(left), "      --%s%s%s", row->long_name,
                         row->arg_name ? "=" : "",
                         row->arg_name ? row->arg_name : "");
        if (n < 0)
            continue;
        if (n > HELP_COLUMN - 2)
            fprintf(fp, "%s\n%*s", left, HELP_COLUMN, "");
        else
            fprintf(fp, "%-*s", HELP_COLUMN, left);
        fprintf(fp, "%s%s\n", row->help,
                find_pending(row->long_name) ? " (*)" : "");
    }
    fprintf(fp, "\n(*) accepted, but not yet acted on by this version\n");
}
