/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cli/job_opts.c: options on the command line and in
 * #SBATCH / #TESS directives.
 *
 * Most tables compare the parsed job_desc through its job.submit JSON
 * (without the script): since unset fields are left out, the expected
 * text lists exactly the fields an input must set, and nothing else may
 * change. Error rows hold the exact message, PATH:LINE included. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/job_opts.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/xalloc.h"

#define MAX_ARGS 32

#define WRAP_PREFIX \
    "#!/bin/sh\n# This script was created by tess batch --wrap.\n"

/* Run job_opts_parse_argv on {"batch", args..., NULL}. */
static int run_argv(struct job_desc *jd, const char *const *args,
                    struct job_opts_cli *cli, struct tess_error *err)
{
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    int rc;

    argv[argc++] = xstrdup("batch");
    for (size_t i = 0; args[i]; i++) {
        assert_true(argc <= MAX_ARGS);
        argv[argc++] = xstrdup(args[i]);
    }
    argv[argc] = NULL;
    rc = job_opts_parse_argv(jd, argc, argv, cli, err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

static int run_script(struct job_desc *jd, const char *text,
                      struct tess_error *err)
{
    return job_opts_parse_script(jd, "job.sh", text, strlen(text), err);
}

/* jd's job.submit JSON, less the script, must equal 'want'. */
static void assert_fields(const struct job_desc *jd, const char *want,
                          const char *what)
{
    json_error_t jerr;
    json_t *expected = json_loads(want, 0, &jerr);
    json_t *actual = job_desc_to_json(jd);

    if (!expected)
        fail_msg("%s: bad test JSON: %s", what, jerr.text);
    assert_non_null(actual);
    json_object_del(actual, "script");
    if (!json_equal(expected, actual)) {
        char *a = json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS);
        char *e = json_dumps(expected, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s:\n  want %s\n  got  %s", what, e, a);
    }
    json_decref(expected);
    json_decref(actual);
}

/* Join args for messages. */
static const char *describe(const char *const *args, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; args[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
                                 args[i]);
    return buf;
}

/* ---------------------------------------------------------------- options */

static const struct {
    const char *args[MAX_ARGS];
    const char *fields;
} option_cases[] = {
    { { NULL }, "{}" },
    { { "-J", "train", NULL }, "{\"name\":\"train\"}" },
    { { "-Jtrain", NULL }, "{\"name\":\"train\"}" },
    { { "--job-name", "train", NULL }, "{\"name\":\"train\"}" },
    { { "--job-name=train", NULL }, "{\"name\":\"train\"}" },
    { { "--job=train", NULL }, "{\"name\":\"train\"}" },
    { { "--job-name=a=b", NULL }, "{\"name\":\"a=b\"}" },
    { { "-J", "-dash", NULL }, "{\"name\":\"-dash\"}" },
    { { "-p", "gpu", NULL }, "{\"partition\":\"gpu\"}" },
    { { "--partition=gpu", NULL }, "{\"partition\":\"gpu\"}" },
    { { "-A", "physics", NULL }, "{\"account\":\"physics\"}" },
    { { "--account", "physics", NULL }, "{\"account\":\"physics\"}" },
    { { "-q", "high", NULL }, "{\"qos\":\"high\"}" },
    { { "--qos=high", NULL }, "{\"qos\":\"high\"}" },
    { { "-N", "2", NULL }, "{\"min_nodes\":2}" },
    { { "-N2-4", NULL }, "{\"min_nodes\":2,\"max_nodes\":4}" },
    { { "--nodes=3-3", NULL }, "{\"min_nodes\":3,\"max_nodes\":3}" },
    { { "-n", "8", NULL }, "{\"ntasks\":8}" },
    { { "--ntasks=100000", NULL }, "{\"ntasks\":100000}" },
    { { "--ntasks-per-node", "4", NULL }, "{\"ntasks_per_node\":4}" },
    { { "-c", "2", NULL }, "{\"cpus_per_task\":2}" },
    { { "--cpus-per-task=16", NULL }, "{\"cpus_per_task\":16}" },
    { { "--mem", "4G", NULL }, "{\"mem_per_node_mib\":4096}" },
    { { "--mem=4096", NULL }, "{\"mem_per_node_mib\":4096}" },
    { { "--mem=1T", NULL }, "{\"mem_per_node_mib\":1048576}" },
    { { "--mem=0", NULL }, "{\"is_mem_whole_node\":true}" },
    { { "--mem-per-cpu=1G", NULL }, "{\"mem_per_cpu_mib\":1024}" },
    { { "--mem-per-gpu", "512M", NULL }, "{\"mem_per_gpu_mib\":512}" },
    { { "--mem=1G", "--mem=2G", NULL }, "{\"mem_per_node_mib\":2048}" },
    { { "--mem=1G", "--mem=0", NULL }, "{\"is_mem_whole_node\":true}" },
    { { "-t", "10", NULL }, "{\"time_limit_min\":10}" },
    { { "-t0:30", NULL }, "{\"time_limit_min\":1}" },
    { { "--time=1:00:00", NULL }, "{\"time_limit_min\":60}" },
    { { "--time", "2-12", NULL }, "{\"time_limit_min\":3600}" },
    { { "-t", "UNLIMITED", NULL }, "{\"time_limit_min\":4294967294}" },
    { { "-t", "0", NULL }, "{\"time_limit_min\":4294967294}" },
    { { "-o", "out-%j.txt", NULL }, "{\"std_out\":\"out-%j.txt\"}" },
    { { "--output=o", NULL }, "{\"std_out\":\"o\"}" },
    { { "-e", "err.txt", NULL }, "{\"std_err\":\"err.txt\"}" },
    { { "--error=e", NULL }, "{\"std_err\":\"e\"}" },
    { { "-i", "in.txt", NULL }, "{\"std_in\":\"in.txt\"}" },
    { { "--input=i", NULL }, "{\"std_in\":\"i\"}" },
    { { "--gpus", "2", NULL }, "{\"gpus\":2}" },
    { { "-G", "A100:2", NULL }, "{\"gpus\":2,\"gpu_type\":\"a100\"}" },
    { { "--gpus=0", NULL }, "{}" },
    { { "--gpus-per-node=H100:8", NULL },
      "{\"gpus_per_node\":8,\"gpu_type\":\"h100\"}" },
    { { "--gpus-per-node", "1", NULL }, "{\"gpus_per_node\":1}" },
    { { "--gpus-per-task=a100-sxm4_80.g:1", NULL },
      "{\"gpus_per_task\":1,\"gpu_type\":\"a100-sxm4_80.g\"}" },
    { { "--gres=gpu:2", NULL }, "{\"gpus_per_node\":2}" },
    { { "--gres", "gpu:V100:4", NULL },
      "{\"gpus_per_node\":4,\"gpu_type\":\"v100\"}" },
    { { "--gres=gpu", NULL }, "{\"gpus_per_node\":1}" },
    { { "--gres=gpu:tesla", NULL },
      "{\"gpus_per_node\":1,\"gpu_type\":\"tesla\"}" },
    { { "--gres=gpu:0", NULL }, "{}" },
    { { "--gres=none", NULL }, "{}" },
    { { "--gres=gpu:2", "--gres=none", NULL }, "{}" },
    { { "--gpus=a100:2", "--gpus=4", NULL }, "{\"gpus\":4}" },
    { { "-C", "ib&nvme", NULL }, "{\"constraint\":\"ib&nvme\"}" },
    { { "--constraint=x", NULL }, "{\"constraint\":\"x\"}" },
    { { "--exclusive", NULL }, "{\"exclusive\":true}" },
    { { "-a", "0-15%4", NULL }, "{\"array\":\"0-15%4\"}" },
    { { "--array=1,3", NULL }, "{\"array\":\"1,3\"}" },
    { { "-d", "afterok:42", NULL }, "{\"dependency\":\"afterok:42\"}" },
    { { "--dependency=singleton", NULL }, "{\"dependency\":\"singleton\"}" },
    { { "--signal=B:USR1@60", NULL }, "{\"signal\":\"B:USR1@60\"}" },
    { { "--requeue", NULL }, "{\"requeue\":\"yes\"}" },
    { { "--no-requeue", NULL }, "{\"requeue\":\"no\"}" },
    { { "--requeue", "--no-requeue", NULL }, "{\"requeue\":\"no\"}" },
    { { "--export=NONE", NULL }, "{\"export_env\":\"NONE\"}" },
    { { "--export", "ALL,FOO=1", NULL }, "{\"export_env\":\"ALL,FOO=1\"}" },
    { { "-D", "/scratch/run", NULL }, "{\"work_dir\":\"/scratch/run\"}" },
    { { "--chdir=/tmp", NULL }, "{\"work_dir\":\"/tmp\"}" },
    { { "--open-mode=append", NULL }, "{\"open_mode\":\"append\"}" },
    { { "--open-mode", "APPEND", NULL }, "{\"open_mode\":\"append\"}" },
    { { "--open-mode=truncate", NULL }, "{}" },
    { { "-H", NULL }, "{\"hold\":true}" },
    { { "--hold", NULL }, "{\"hold\":true}" },
    { { "-W", NULL }, "{}" },
    { { "-HW", NULL }, "{\"hold\":true}" },
    { { "-Hn4", NULL }, "{\"hold\":true,\"ntasks\":4}" },
    { { "-Hn", "4", NULL }, "{\"hold\":true,\"ntasks\":4}" },
    { { "-J", "a", "-J", "b", NULL }, "{\"name\":\"b\"}" },
    { { "-J", "caf\xc3\xa9", NULL }, "{\"name\":\"caf\xc3\xa9\"}" },
};

static void test_options(void **state)
{
    for (size_t i = 0; i < sizeof(option_cases) / sizeof(option_cases[0]);
         i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli = { 0 };
        struct job_desc *jd = job_desc_create();
        char what[256];

        describe(option_cases[i].args, what, sizeof(what));
        if (run_argv(jd, option_cases[i].args, &cli, &err) < 0)
            fail_msg("%s: %s", what, err.text);
        assert_fields(jd, option_cases[i].fields, what);
        assert_false(cli.has_wrap);
        assert_false(cli.wants_help);
        job_desc_destroy(jd);
    }
}

static void test_wait(void **state)
{
    static const char *const forms[][3] = {
        { "-W", NULL, NULL },
        { "--wait", NULL, NULL },
        { "-HW", NULL, NULL },
    };

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli;
        struct job_desc *jd = job_desc_create();

        assert_int_equal(run_argv(jd, forms[i], &cli, &err), 0);
        assert_true(jd->wait);
        job_desc_destroy(jd);
    }
}

static void test_begin(void **state)
{
    static const char *const args[] = { "--begin=now+1hour", NULL };
    static const char *const now_args[] = { "--begin", "now", NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli;
    struct job_desc *jd = job_desc_create();
    int64_t t0 = (int64_t)time(NULL);
    int64_t t1;

    assert_int_equal(run_argv(jd, args, &cli, &err), 0);
    t1 = (int64_t)time(NULL);
    assert_in_range(jd->begin_time, t0 + 3600, t1 + 3600);
    assert_int_equal(run_argv(jd, now_args, &cli, &err), 0);
    assert_in_range(jd->begin_time, t0, (int64_t)time(NULL));
    job_desc_destroy(jd);
}

/* ---------------------------------------------------------------- operands */

static const struct {
    const char *args[MAX_ARGS];
    int optind;
    const char *fields;
} operand_cases[] = {
    { { NULL }, 1, "{}" },
    { { "job.sh", NULL }, 1, "{}" },
    { { "-J", "a", "job.sh", "-p", "x", NULL }, 3, "{\"name\":\"a\"}" },
    { { "-J", "a", "--", "-p", NULL }, 4, "{\"name\":\"a\"}" },
    { { "--", NULL }, 2, "{}" },
    { { "-", "-J", "a", NULL }, 1, "{}" },
    { { "-n", "2", "job.sh", "--", "x", NULL }, 3, "{\"ntasks\":2}" },
};

static void test_operands(void **state)
{
    for (size_t i = 0; i < sizeof(operand_cases) / sizeof(operand_cases[0]);
         i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli = { .optind = -1 };
        struct job_desc *jd = job_desc_create();
        char what[256];

        describe(operand_cases[i].args, what, sizeof(what));
        if (run_argv(jd, operand_cases[i].args, &cli, &err) < 0)
            fail_msg("%s: %s", what, err.text);
        assert_int_equal(cli.optind, operand_cases[i].optind);
        assert_fields(jd, operand_cases[i].fields, what);
        job_desc_destroy(jd);
    }
}

static void test_help(void **state)
{
    static const char *const cases[][4] = {
        { "-h", NULL },
        { "--help", NULL },
        { "-J", "a", "--help", NULL },
        { "-Hh", NULL },
        /* Parsing stops at --help, as with getopt. */
        { "--help", "--bogus", NULL },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli = { 0 };
        struct job_desc *jd = job_desc_create();

        assert_int_equal(run_argv(jd, cases[i], &cli, &err), 0);
        assert_true(cli.wants_help);
        job_desc_destroy(jd);
    }
}

static void test_wrap(void **state)
{
    static const char *const args[] = { "-J", "w", "--wrap", "hostname -s",
                                        NULL };
    static const char *const eq_args[] = { "--wrap=echo 'a b'", NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli = { 0 };
    struct job_desc *jd = job_desc_create();

    assert_int_equal(run_argv(jd, args, &cli, &err), 0);
    assert_true(cli.has_wrap);
    assert_int_equal(cli.optind, 5);
    assert_string_equal(jd->script, WRAP_PREFIX "hostname -s\n");
    assert_string_equal(jd->name, "w");
    job_desc_destroy(jd);

    jd = job_desc_create();
    assert_int_equal(run_argv(jd, eq_args, &cli, &err), 0);
    assert_string_equal(jd->script, WRAP_PREFIX "echo 'a b'\n");
    job_desc_destroy(jd);
}

/* scan finds the operand and reports errors, and changes nothing else. */
static void test_scan(void **state)
{
    char *argv[] = { xstrdup("batch"), xstrdup("-N2"), xstrdup("job.sh"),
                     xstrdup("arg"), NULL };
    char *bad[] = { xstrdup("batch"), xstrdup("--nodes=x"), NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli = { 0 };

    assert_int_equal(job_opts_scan_argv(4, argv, &cli, &err), 0);
    assert_int_equal(cli.optind, 2);
    assert_false(cli.has_wrap);
    cli.optind = 77;
    errno = 0;
    assert_int_equal(job_opts_scan_argv(2, bad, &cli, &err), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cli.optind, 77);
    assert_string_equal(err.text, "--nodes: bad node count 'x': expected MIN "
                                  "or MIN-MAX, each 1..100000");
    for (int i = 0; argv[i]; i++)
        free(argv[i]);
    for (int i = 0; bad[i]; i++)
        free(bad[i]);
}

/* ---------------------------------------------------------------- errors */

static const struct {
    const char *args[MAX_ARGS];
    const char *error;
} argv_error_cases[] = {
    { { "--foo", NULL }, "unrecognized option '--foo'" },
    { { "--foo=bar", NULL }, "unrecognized option '--foo'" },
    { { "-x", NULL }, "unrecognized option '-x'" },
    { { "-Hx", NULL }, "unrecognized option '-x'" },
    { { "--=x", NULL }, "unrecognized option '--'" },
    { { "--n=3", NULL }, "option '--n' is ambiguous" },
    { { "--mem-per=1G", NULL }, "option '--mem-per' is ambiguous" },
    { { "--time", NULL }, "option '--time' requires an argument" },
    { { "--ti", NULL }, "option '--time' requires an argument" },
    { { "-t", NULL }, "option '-t' requires an argument" },
    { { "-Ht", NULL }, "option '-t' requires an argument" },
    { { "--hold=yes", NULL }, "option '--hold' doesn't allow an argument" },
    { { "--exclusive=user", NULL },
      "option '--exclusive' doesn't allow an argument" },
    { { "-t", "x", NULL },
      "--time: bad time limit 'x': expected [D-]HH:MM:SS, MM:SS or MM" },
    { { "--time=1:60", NULL },
      "--time: bad time limit '1:60': seconds must be less than 60" },
    { { "-n", "0", NULL },
      "--ntasks: bad count '0': expected an integer 1..100000" },
    { { "-n", "100001", NULL },
      "--ntasks: bad count '100001': expected an integer 1..100000" },
    { { "-n", "+3", NULL },
      "--ntasks: bad count '+3': expected an integer 1..100000" },
    { { "-c", "two", NULL },
      "--cpus-per-task: bad count 'two': expected an integer 1..100000" },
    { { "--ntasks-per-node=-1", NULL },
      "--ntasks-per-node: bad count '-1': expected an integer 1..100000" },
    { { "-N", "0", NULL },
      "--nodes: bad node count '0': expected MIN or MIN-MAX, each 1..100000" },
    { { "-N", "2-", NULL },
      "--nodes: bad node count '2-': expected MIN or MIN-MAX, each "
      "1..100000" },
    { { "-N", "1-2-3", NULL },
      "--nodes: bad node count '1-2-3': expected MIN or MIN-MAX, each "
      "1..100000" },
    { { "-N", "4-2", NULL },
      "--nodes: bad node count '4-2': maximum below minimum" },
    { { "--mem", "lots", NULL },
      "--mem: bad size 'lots': expected a number with optional K, M, G or T "
      "suffix" },
    { { "--mem-per-cpu=0", NULL },
      "--mem-per-cpu: bad size '0': expected at least 1M" },
    { { "--mem-per-gpu=0G", NULL },
      "--mem-per-gpu: bad size '0G': expected at least 1M" },
    { { "--mem=2000000T", NULL },
      "--mem: bad size '2000000T': more than 1099511627776 MiB" },
    { { "--mem=1G", "--mem-per-gpu=1G", NULL },
      "--mem, --mem-per-cpu and --mem-per-gpu are mutually exclusive" },
    { { "--mem-per-cpu=1G", "--mem=0", NULL },
      "--mem, --mem-per-cpu and --mem-per-gpu are mutually exclusive" },
    { { "--gpus=2", "--gpus-per-node=1", NULL },
      "--gpus, --gpus-per-node, --gpus-per-task and --gres are mutually "
      "exclusive" },
    { { "--gres=gpu:1", "--gpus-per-node=1", NULL },
      "--gpus, --gpus-per-node, --gpus-per-task and --gres are mutually "
      "exclusive" },
    { { "--gpus-per-task=1", "-G", "1", NULL },
      "--gpus, --gpus-per-node, --gpus-per-task and --gres are mutually "
      "exclusive" },
    { { "--gpus=a100", NULL },
      "--gpus: bad GPU request 'a100': expected [TYPE:]COUNT, COUNT "
      "0..100000, TYPE of letters, digits, '_', '-' or '.'" },
    { { "--gpus=:2", NULL },
      "--gpus: bad GPU request ':2': expected [TYPE:]COUNT, COUNT 0..100000, "
      "TYPE of letters, digits, '_', '-' or '.'" },
    { { "--gpus-per-node=a/b:2", NULL },
      "--gpus-per-node: bad GPU request 'a/b:2': expected [TYPE:]COUNT, "
      "COUNT 0..100000, TYPE of letters, digits, '_', '-' or '.'" },
    { { "--gpus=100001", NULL },
      "--gpus: bad GPU request '100001': expected [TYPE:]COUNT, COUNT "
      "0..100000, TYPE of letters, digits, '_', '-' or '.'" },
    { { "--gpus=a100:1,v100:1", NULL },
      "--gpus: bad GPU request 'a100:1,v100:1': only one GPU type per job is "
      "supported" },
    { { "--gpus="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
        NULL },
      "--gpus: bad GPU request "
      "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
      "expected [TYPE:]COUNT, COUNT 0..100000, TYPE of letters, digits, '_', "
      "'-' or '.'" },
    { { "--gres=mps:100", NULL },
      "--gres: bad GRES 'mps:100': only gpu[:TYPE][:COUNT] is supported" },
    { { "--gres=gpux:1", NULL },
      "--gres: bad GRES 'gpux:1': only gpu[:TYPE][:COUNT] is supported" },
    { { "--gres=gpu:1,mps:1", NULL },
      "--gres: bad GRES 'gpu:1,mps:1': only one GRES, gpu, is supported" },
    { { "--gres=gpu:a100:x", NULL },
      "--gres: bad GRES 'gpu:a100:x': expected gpu[:TYPE][:COUNT], COUNT "
      "0..100000" },
    { { "--gres=gpu:1x", NULL },
      "--gres: bad GRES 'gpu:1x': expected gpu[:TYPE][:COUNT], COUNT "
      "0..100000" },
    { { "--gres=gpu:", NULL },
      "--gres: bad GRES 'gpu:': expected gpu[:TYPE][:COUNT], TYPE of "
      "letters, digits, '_', '-' or '.'" },
    { { "--open-mode=sometimes", NULL },
      "--open-mode: bad mode 'sometimes': expected append or truncate" },
    { { "--begin=tomorrowish", NULL },
      "--begin: bad begin time 'tomorrowish': expected "
      "now[+N[seconds|minutes|hours|days]], YYYY-MM-DD[THH:MM[:SS]] or "
      "HH:MM[:SS]" },
    { { "--begin=now+99999999999days", NULL },
      "--begin: bad begin time 'now+99999999999days': after 9999" },
    { { "-J", "", NULL }, "--job-name: empty value" },
    { { "--partition=", NULL }, "--partition: empty value" },
    { { "-J", "caf\xe9", NULL }, "--job-name: value is not valid UTF-8" },
    { { "-o", "\xed\xa0\x80", NULL }, "--output: value is not valid UTF-8" },
    { { "--wrap=", NULL }, "--wrap: empty value" },
    { { "--wrap=true", "job.sh", NULL },
      "--wrap: no script or script arguments may follow (found 'job.sh')" },
    { { "-J", "ok", "--bogus", "job.sh", NULL },
      "unrecognized option '--bogus'" },
};

static void test_argv_errors(void **state)
{
    for (size_t i = 0;
         i < sizeof(argv_error_cases) / sizeof(argv_error_cases[0]); i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli = { .optind = -7 };
        struct job_desc *jd = job_desc_create();
        char what[256];

        describe(argv_error_cases[i].args, what, sizeof(what));
        jd->name = xstrdup("keep");
        errno = 0;
        if (run_argv(jd, argv_error_cases[i].args, &cli, &err) == 0)
            fail_msg("%s: accepted", what);
        assert_int_equal(errno, EINVAL);
        if (strcmp(err.text, argv_error_cases[i].error) != 0)
            fail_msg("%s:\n  want %s\n  got  %s", what,
                     argv_error_cases[i].error, err.text);
        /* A failed parse changes nothing. */
        assert_int_equal(cli.optind, -7);
        assert_fields(jd, "{\"name\":\"keep\"}", what);
        job_desc_destroy(jd);
    }
}

static void test_long_values(void **state)
{
    char *name = xmalloc(JOB_STR_MAX + 2);
    const char *args[] = { "-J", name, NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli;
    struct job_desc *jd = job_desc_create();

    memset(name, 'x', JOB_STR_MAX);
    name[JOB_STR_MAX] = '\0';
    assert_int_equal(run_argv(jd, args, &cli, &err), 0);
    assert_int_equal(strlen(jd->name), JOB_STR_MAX);
    name[JOB_STR_MAX] = 'x';
    name[JOB_STR_MAX + 1] = '\0';
    assert_int_equal(run_argv(jd, args, &cli, &err), -1);
    assert_string_equal(err.text, "--job-name: value longer than 4096 bytes");
    job_desc_destroy(jd);
    free(name);
}

/* ---------------------------------------------------------------- scripts */

static const struct {
    const char *text;
    const char *fields;
} script_cases[] = {
    { "#!/bin/sh\n", "{}" },
    { "#!/bin/sh\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#SBATCH -J a", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#TESS -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#SBATCH\t-J\ta\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#SBATCH --job-name=a --partition gpu -n 3\n",
      "{\"name\":\"a\",\"partition\":\"gpu\",\"ntasks\":3}" },
    { "#!/bin/sh\n#SBATCH -J a\n#TESS -p gpu\n#SBATCH -J b\n",
      "{\"name\":\"b\",\"partition\":\"gpu\"}" },
    { "#!/bin/sh\n#SBATCH\n#SBATCH   \n", "{}" },
    /* Blank lines and comments keep the block open. */
    { "#!/bin/sh\n\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n   \t\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n# setup\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n   # indented comment\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#!more\n#SBATCH -J a\n", "{\"name\":\"a\"}" },
    /* The first command ends it. */
    { "#!/bin/sh\necho hi\n#SBATCH -J a\n", "{}" },
    { "#!/bin/sh\n#SBATCH -N 2\n  cd /tmp\n#SBATCH -J a\n",
      "{\"min_nodes\":2}" },
    { "#!/bin/sh\n#SBATCH -N 2\nx=1 # comment\n#SBATCH --bogus\n",
      "{\"min_nodes\":2}" },
    /* Not directives: indented, glued, or another word. */
    { "#!/bin/sh\n  #SBATCH -J a\n", "{}" },
    { "#!/bin/sh\n#SBATCH-J a\n", "{}" },
    { "#!/bin/sh\n#SBATCHX -J a\n", "{}" },
    { "#!/bin/sh\n#sbatch -J a\n", "{}" },
    { "#!/bin/sh\n#TESSERA -J a\n", "{}" },
    { "#!/bin/sh\n##SBATCH -J a\n", "{}" },
    /* Quoting. */
    { "#!/bin/sh\n#SBATCH -J 'my job'\n", "{\"name\":\"my job\"}" },
    { "#!/bin/sh\n#SBATCH -J \"my job\"\n", "{\"name\":\"my job\"}" },
    { "#!/bin/sh\n#SBATCH -J my\\ job\n", "{\"name\":\"my job\"}" },
    { "#!/bin/sh\n#SBATCH --job-name='a'\"b\"c\n", "{\"name\":\"abc\"}" },
    { "#!/bin/sh\n#SBATCH -J \"a\\\"b\"\n", "{\"name\":\"a\\\"b\"}" },
    { "#!/bin/sh\n#SBATCH -J \"a\\\\b\"\n", "{\"name\":\"a\\\\b\"}" },
    { "#!/bin/sh\n#SBATCH -J \"a\\nb\"\n", "{\"name\":\"a\\\\nb\"}" },
    { "#!/bin/sh\n#SBATCH -J 'a\\b'\n", "{\"name\":\"a\\\\b\"}" },
    { "#!/bin/sh\n#SBATCH -J \"it's\"\n", "{\"name\":\"it's\"}" },
    { "#!/bin/sh\n#SBATCH -J '\"q\"'\n", "{\"name\":\"\\\"q\\\"\"}" },
    /* Trailing comments. */
    { "#!/bin/sh\n#SBATCH -J a # the name\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#SBATCH -J a #-p gpu\n", "{\"name\":\"a\"}" },
    { "#!/bin/sh\n#SBATCH # -J a\n", "{}" },
    { "#!/bin/sh\n#SBATCH -J a#b\n", "{\"name\":\"a#b\"}" },
    { "#!/bin/sh\n#SBATCH -J 'a #b'\n", "{\"name\":\"a #b\"}" },
    { "#!/bin/sh\n#SBATCH -J \\#b\n", "{\"name\":\"#b\"}" },
    { "#!/bin/sh\n#SBATCH -J '#b'\n", "{\"name\":\"#b\"}" },
    /* Options of every kind work in directives. */
    { "#!/bin/bash\n#SBATCH --mem=0 --gres=gpu:A100:2 -t 1:00:00\n"
      "#SBATCH --exclusive -H --requeue --open-mode=append\n",
      "{\"is_mem_whole_node\":true,\"gpus_per_node\":2,\"gpu_type\":\"a100\","
      "\"time_limit_min\":60,\"exclusive\":true,\"hold\":true,"
      "\"requeue\":\"yes\",\"open_mode\":\"append\"}" },
    { "#!/bin/sh\n#SBATCH --mem=1G\n#SBATCH --mem=2G\n",
      "{\"mem_per_node_mib\":2048}" },
    { "#!/bin/sh\n#SBATCH -J caf\xc3\xa9\n", "{\"name\":\"caf\xc3\xa9\"}" },
};

static void test_script(void **state)
{
    for (size_t i = 0; i < sizeof(script_cases) / sizeof(script_cases[0]);
         i++) {
        struct tess_error err = { "" };
        struct job_desc *jd = job_desc_create();
        int rc = run_script(jd, script_cases[i].text, &err);

        if (rc < 0)
            fail_msg("case %zu: %s", i, err.text);
        assert_fields(jd, script_cases[i].fields, script_cases[i].text);
        assert_string_equal(jd->script, script_cases[i].text);
        job_desc_destroy(jd);
    }
}

static const struct {
    const char *text;
    const char *error;
} script_error_cases[] = {
    { "", "job.sh:1: script does not start with #!" },
    { "#", "job.sh:1: script does not start with #!" },
    { "echo hi\n", "job.sh:1: script does not start with #!" },
    { " #!/bin/sh\n", "job.sh:1: script does not start with #!" },
    { "\n#!/bin/sh\n", "job.sh:1: script does not start with #!" },
    { "#!/bin/sh\n#SBATCH --foo\n", "job.sh:2: unrecognized option '--foo'" },
    { "#!/bin/sh\n\n# c\n#SBATCH -J a --foo=1\n",
      "job.sh:4: unrecognized option '--foo'" },
    { "#!/bin/sh\n#SBATCH -t x\n",
      "job.sh:2: --time: bad time limit 'x': expected [D-]HH:MM:SS, MM:SS or "
      "MM" },
    { "#!/bin/sh\n#SBATCH -N 4-2\n",
      "job.sh:2: --nodes: bad node count '4-2': maximum below minimum" },
    { "#!/bin/sh\n\n#SBATCH -J 'a\n", "job.sh:3: unterminated single quote" },
    { "#!/bin/sh\n#SBATCH -J \"a\n", "job.sh:2: unterminated double quote" },
    { "#!/bin/sh\n#SBATCH -J \"a\\\"\n",
      "job.sh:2: unterminated double quote" },
    { "#!/bin/sh\n#SBATCH -J a\\\n",
      "job.sh:2: backslash at the end of the line" },
    { "#!/bin/sh\n#SBATCH -J\n#SBATCH a\n",
      "job.sh:2: option '-J' requires an argument" },
    { "#!/bin/sh\n#SBATCH --job-name # c\n",
      "job.sh:2: option '--job-name' requires an argument" },
    { "#!/bin/sh\n#SBATCH foo\n", "job.sh:2: unexpected argument 'foo'" },
    { "#!/bin/sh\n#SBATCH -J a b\n", "job.sh:2: unexpected argument 'b'" },
    { "#!/bin/sh\n#SBATCH --\n", "job.sh:2: unexpected argument '--'" },
    { "#!/bin/sh\n#SBATCH -\n", "job.sh:2: unexpected argument '-'" },
    { "#!/bin/sh\n#SBATCH --wrap=hostname\n",
      "job.sh:2: --wrap is only allowed on the command line" },
    { "#!/bin/sh\n#SBATCH --help\n",
      "job.sh:2: --help is only allowed on the command line" },
    { "#!/bin/sh\n#SBATCH -h\n",
      "job.sh:2: --help is only allowed on the command line" },
    { "#!/bin/sh\n#SBATCH --wra=date\n",
      "job.sh:2: --wrap is only allowed on the command line" },
    { "#!/bin/sh\r\n#SBATCH -J a\r\n",
      "job.sh:1: script has DOS line breaks (\\r\\n); convert it with "
      "dos2unix" },
    { "#!/bin/sh\n#SBATCH -J a\n\nrun\r\n",
      "job.sh:4: script has DOS line breaks (\\r\\n); convert it with "
      "dos2unix" },
    { "#!/bin/sh\n#SBATCH -J caf\xe9\n",
      "job.sh:2: script is not valid UTF-8" },
    { "#!/bin/sh\necho ok\necho \xc0\xaf\n",
      "job.sh:3: script is not valid UTF-8" },
    { "#!/bin/sh\n#SBATCH --mem=1G --mem-per-cpu=1G\n",
      "job.sh:2: --mem, --mem-per-cpu and --mem-per-gpu are mutually "
      "exclusive" },
    { "#!/bin/sh\n#SBATCH --mem=1G\n#SBATCH --mem-per-cpu=1G\n",
      "job.sh:3: --mem, --mem-per-cpu and --mem-per-gpu are mutually "
      "exclusive" },
    { "#!/bin/sh\n#SBATCH --gpus=1\n#TESS --gres=gpu:1\n",
      "job.sh:3: --gpus, --gpus-per-node, --gpus-per-task and --gres are "
      "mutually exclusive" },
    { "#!/bin/sh\n#SBATCH --gres=shard:1\n",
      "job.sh:2: --gres: bad GRES 'shard:1': only gpu[:TYPE][:COUNT] is "
      "supported" },
    { "#!/bin/sh\n#SBATCH -J ''\n", "job.sh:2: --job-name: empty value" },
    { "#!/bin/sh\n#SBATCH --exclusive=user\n",
      "job.sh:2: option '--exclusive' doesn't allow an argument" },
};

static void test_script_errors(void **state)
{
    for (size_t i = 0;
         i < sizeof(script_error_cases) / sizeof(script_error_cases[0]); i++) {
        struct tess_error err = { "" };
        struct job_desc *jd = job_desc_create();

        jd->name = xstrdup("keep");
        errno = 0;
        if (run_script(jd, script_error_cases[i].text, &err) == 0)
            fail_msg("case %zu accepted: %s", i, script_error_cases[i].text);
        assert_int_equal(errno, EINVAL);
        if (strcmp(err.text, script_error_cases[i].error) != 0)
            fail_msg("case %zu:\n  want %s\n  got  %s", i,
                     script_error_cases[i].error, err.text);
        /* A failed parse changes nothing, not even the script. */
        assert_fields(jd, "{\"name\":\"keep\"}", script_error_cases[i].text);
        assert_null(jd->script);
        job_desc_destroy(jd);
    }
}

static void test_script_nul_and_size(void **state)
{
    static const char nul[] = "#!/bin/sh\n#SBATCH -J a\0"
                              "b\n";
    struct tess_error err = { "" };
    struct job_desc *jd = job_desc_create();
    char *big = NULL;

    assert_int_equal(
        job_opts_parse_script(jd, "nul.sh", nul, sizeof(nul) - 1, &err), -1);
    assert_string_equal(err.text, "nul.sh:2: script contains a NUL byte");

    big = xmalloc(JOB_SCRIPT_MAX + 1);
    memset(big, '\n', JOB_SCRIPT_MAX + 1);
    memcpy(big, "#!/bin/sh\n#SBATCH -n 2\n", 23);
    assert_int_equal(
        job_opts_parse_script(jd, "big.sh", big, JOB_SCRIPT_MAX + 1, &err), -1);
    assert_string_equal(err.text,
                        "big.sh: script is 4194305 bytes, more than 4194304");
    assert_int_equal(
        job_opts_parse_script(jd, "big.sh", big, JOB_SCRIPT_MAX, &err), 0);
    assert_int_equal(jd->ntasks, 2);
    assert_int_equal(strlen(jd->script), JOB_SCRIPT_MAX);
    free(big);
    job_desc_destroy(jd);
}

/* ---------------------------------------------------------------- precedence
 */

/* The command line wins over directives, option by option: the script sets
 * one value, argv another, and the result must equal argv alone. */
static const struct {
    const char *directive;
    const char *arg;
    const char *fields; /* of the result */
} precedence_cases[] = {
    { "-J a", "-Jb", "{\"name\":\"b\"}" },
    { "-p p1", "--partition=p2", "{\"partition\":\"p2\"}" },
    { "-A a1", "-A a2", "{\"account\":\"a2\"}" },
    { "-q q1", "-qq2", "{\"qos\":\"q2\"}" },
    { "-N 2-4", "-N8", "{\"min_nodes\":8}" },
    { "-N 2", "-N1-3", "{\"min_nodes\":1,\"max_nodes\":3}" },
    { "-n 2", "-n4", "{\"ntasks\":4}" },
    { "--ntasks-per-node=2", "--ntasks-per-node=3", "{\"ntasks_per_node\":3}" },
    { "-c 2", "-c3", "{\"cpus_per_task\":3}" },
    { "--mem=1G", "--mem=2G", "{\"mem_per_node_mib\":2048}" },
    { "--mem=0", "--mem=2G", "{\"mem_per_node_mib\":2048}" },
    { "--mem=2G", "--mem=0", "{\"is_mem_whole_node\":true}" },
    { "--mem-per-cpu=1G", "--mem=2G", "{\"mem_per_node_mib\":2048}" },
    { "--mem=2G", "--mem-per-cpu=1G", "{\"mem_per_cpu_mib\":1024}" },
    { "--mem=2G", "--mem-per-gpu=1G", "{\"mem_per_gpu_mib\":1024}" },
    { "--mem-per-gpu=2G", "--mem-per-gpu=1G", "{\"mem_per_gpu_mib\":1024}" },
    { "-t 10", "-t20", "{\"time_limit_min\":20}" },
    { "-t 10", "-tUNLIMITED", "{\"time_limit_min\":4294967294}" },
    { "-o a", "-ob", "{\"std_out\":\"b\"}" },
    { "-e a", "-eb", "{\"std_err\":\"b\"}" },
    { "-i a", "-ib", "{\"std_in\":\"b\"}" },
    { "--gpus=a100:2", "--gpus=4", "{\"gpus\":4}" },
    { "--gres=gpu:a100:2", "--gpus=4", "{\"gpus\":4}" },
    { "--gpus=4", "--gres=gpu:v100:1",
      "{\"gpus_per_node\":1,\"gpu_type\":\"v100\"}" },
    { "--gpus-per-task=1", "--gpus-per-node=h100:2",
      "{\"gpus_per_node\":2,\"gpu_type\":\"h100\"}" },
    { "--gpus-per-node=2", "--gpus-per-task=a100:1",
      "{\"gpus_per_task\":1,\"gpu_type\":\"a100\"}" },
    { "--gres=gpu:2", "--gres=none", "{}" },
    { "--gpus=2", "--gpus=0", "{}" },
    { "-C a", "-Cb", "{\"constraint\":\"b\"}" },
    { "-a 1-2", "-a3", "{\"array\":\"3\"}" },
    { "-d after:1", "-dafter:2", "{\"dependency\":\"after:2\"}" },
    { "--signal=USR1", "--signal=USR2", "{\"signal\":\"USR2\"}" },
    { "--requeue", "--no-requeue", "{\"requeue\":\"no\"}" },
    { "--no-requeue", "--requeue", "{\"requeue\":\"yes\"}" },
    { "--export=NONE", "--export=ALL", "{\"export_env\":\"ALL\"}" },
    { "-D /a", "-D/b", "{\"work_dir\":\"/b\"}" },
    { "--open-mode=append", "--open-mode=truncate", "{}" },
    { "--open-mode=truncate", "--open-mode=append",
      "{\"open_mode\":\"append\"}" },
    { "--exclusive", "--exclusive", "{\"exclusive\":true}" },
    { "-H", "-H", "{\"hold\":true}" },
    /* Options the command line doesn't name stay from the script. */
    { "-J a -p p1 -t 10", "-J b",
      "{\"name\":\"b\",\"partition\":\"p1\",\"time_limit_min\":10}" },
    { "--mem=1G -n 2", "--gpus=1",
      "{\"mem_per_node_mib\":1024,\"ntasks\":2,\"gpus\":1}" },
};

/* Split a space-separated list (no quoting needed in these tables). */
static int split_args(const char *s, char **out, int max)
{
    int n = 0;

    while (*s && n < max) {
        size_t len = strcspn(s, " ");
        out[n++] = xstrndup(s, len);
        s += len;
        s += strspn(s, " ");
    }
    out[n] = NULL;
    return n;
}

static void test_precedence(void **state)
{
    for (size_t i = 0;
         i < sizeof(precedence_cases) / sizeof(precedence_cases[0]); i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli;
        struct job_desc *jd = job_desc_create();
        char *script = xasprintf("#!/bin/sh\n#SBATCH %s\nhostname\n",
                                 precedence_cases[i].directive);
        char *words[MAX_ARGS + 1];
        const char *args[MAX_ARGS + 1];
        int n = split_args(precedence_cases[i].arg, words, MAX_ARGS);

        for (int k = 0; k <= n; k++)
            args[k] = words[k];
        if (run_script(jd, script, &err) < 0)
            fail_msg("case %zu script: %s", i, err.text);
        if (run_argv(jd, args, &cli, &err) < 0)
            fail_msg("case %zu argv: %s", i, err.text);
        assert_fields(jd, precedence_cases[i].fields, script);
        /* The script text survives the command-line pass. */
        assert_string_equal(jd->script, script);
        job_desc_destroy(jd);
        free(script);
        for (int k = 0; k < n; k++)
            free(words[k]);
    }
}

/* -W (never in the JSON) and --wrap (replaces the script) on top of a
 * script. */
static void test_precedence_wait_and_wrap(void **state)
{
    static const char *const wrap_args[] = { "--wrap=date", NULL };
    static const char *const wait_args[] = { "-W", NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli;
    struct job_desc *jd = job_desc_create();

    assert_int_equal(run_script(jd, "#!/bin/sh\n#SBATCH -J s\n", &err), 0);
    assert_int_equal(run_argv(jd, wait_args, &cli, &err), 0);
    assert_true(jd->wait);
    assert_int_equal(run_argv(jd, wrap_args, &cli, &err), 0);
    assert_string_equal(jd->script, WRAP_PREFIX "date\n");
    assert_string_equal(jd->name, "s");
    job_desc_destroy(jd);
}

/* ---------------------------------------------------------------- warnings */

static const struct {
    const char *script; /* NULL: none */
    const char *args;
    const char *warnings; /* option names, space-separated */
} warning_cases[] = {
    { NULL, "", "" },
    { NULL,
      "-J a -p p -A acct -N 2 -n 4 -c 2 --mem=1G -t 10 --gpus=1 -o o "
      "-D /tmp --open-mode=append -W",
      "" },
    { NULL, "--array=1-3", "--array" },
    { NULL, "--begin=now+1hour", "--begin" },
    { NULL, "-C ib", "--constraint" },
    { NULL, "-d afterok:1", "--dependency" },
    { NULL, "--exclusive", "--exclusive" },
    { NULL, "--export=NONE", "--export" },
    { NULL, "--export=ALL", "" },
    { NULL, "--export=all", "" },
    { NULL, "--export=ALL,X=1", "--export" },
    { NULL, "--gpus-per-task=1", "--gpus-per-task" },
    { NULL, "--gpus-per-node=1", "" },
    { NULL, "--gres=gpu:1", "" },
    { NULL, "-H", "--hold" },
    { NULL, "--mem-per-cpu=1G", "--mem-per-cpu" },
    { NULL, "--mem-per-gpu=1G", "--mem-per-gpu" },
    { NULL, "--no-requeue", "--no-requeue" },
    { NULL, "-q high", "--qos" },
    { NULL, "--requeue", "--requeue" },
    { NULL, "--signal=USR1", "--signal" },
    { NULL, "--signal=USR1 -a 1 --exclusive -H -q x",
      "--array --exclusive --hold --qos --signal" },
    /* Warnings describe the final job: overridden options don't warn. */
    { "--mem-per-cpu=1G", "--mem=1G", "" },
    { "--gpus-per-task=1", "--gpus=1", "" },
    { "--export=NONE", "--export=ALL", "" },
    { "--array=1-4", "", "--array" },
    { "--requeue", "--no-requeue", "--no-requeue" },
};

static void test_warnings(void **state)
{
    for (size_t i = 0; i < sizeof(warning_cases) / sizeof(warning_cases[0]);
         i++) {
        struct tess_error err = { "" };
        struct job_opts_cli cli;
        struct job_opts_warn warn;
        struct job_desc *jd = job_desc_create();
        char *words[MAX_ARGS + 1];
        const char *args[MAX_ARGS + 1];
        int n = split_args(warning_cases[i].args, words, MAX_ARGS);
        char got[512] = "";
        size_t used = 0;

        for (int k = 0; k <= n; k++)
            args[k] = words[k];
        if (warning_cases[i].script) {
            char *script =
                xasprintf("#!/bin/sh\n#SBATCH %s\n", warning_cases[i].script);
            assert_int_equal(run_script(jd, script, &err), 0);
            free(script);
        }
        if (run_argv(jd, args, &cli, &err) < 0)
            fail_msg("case %zu: %s", i, err.text);
        memset(&warn, 0xa5, sizeof(warn));
        job_opts_warnings(jd, &warn);
        for (size_t k = 0; k < warn.count; k++) {
            used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
                                     k ? " " : "", warn.item[k].option);
            assert_non_null(warn.item[k].consequence);
        }
        if (strcmp(got, warning_cases[i].warnings) != 0)
            fail_msg("case %zu (%s):\n  want %s\n  got  %s", i,
                     warning_cases[i].args, warning_cases[i].warnings, got);
        job_desc_destroy(jd);
        for (int k = 0; k < n; k++)
            free(words[k]);
    }
}

static void test_print_warnings(void **state)
{
    static const char *const args[] = { "--array=0-3", "-H", NULL };
    struct tess_error err = { "" };
    struct job_opts_cli cli;
    struct job_opts_warn warn;
    struct job_desc *jd = job_desc_create();
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);

    assert_non_null(fp);
    assert_int_equal(run_argv(jd, args, &cli, &err), 0);
    job_opts_warnings(jd, &warn);
    job_opts_print_warnings(&warn, "tess batch", fp);
    fclose(fp);
    assert_string_equal(text, "tess batch: warning: --array is accepted but "
                              "not yet acted on; the job runs once\n"
                              "tess batch: warning: --hold is accepted but "
                              "not yet acted on; the job is eligible to "
                              "start at once\n");
    free(text);
    job_desc_destroy(jd);
}

/* ---------------------------------------------------------------- usage */

static void test_usage(void **state)
{
    /* Every option with the text its usage line starts with. */
    static const struct {
        const char *line;
        bool is_pending;
    } expected[] = {
        { "  -A, --account=NAME ", false },
        { "  -a, --array=INDEXES ", true },
        { "      --begin=TIME ", true },
        { "  -D, --chdir=DIR ", false },
        { "  -C, --constraint=LIST ", true },
        { "  -c, --cpus-per-task=N ", false },
        { "  -d, --dependency=LIST ", true },
        { "  -e, --error=PATTERN ", false },
        { "      --exclusive ", true },
        { "      --export=ALL|NONE|VARS ", true },
        { "  -G, --gpus=[TYPE:]N ", false },
        { "      --gpus-per-node=[TYPE:]N ", false },
        { "      --gpus-per-task=[TYPE:]N ", true },
        { "      --gres=gpu[:TYPE][:N] ", false },
        { "  -h, --help ", false },
        { "  -H, --hold ", true },
        { "  -i, --input=PATTERN ", false },
        { "  -J, --job-name=NAME ", false },
        { "      --mem=SIZE ", false },
        { "      --mem-per-cpu=SIZE ", true },
        { "      --mem-per-gpu=SIZE ", true },
        { "      --no-requeue ", true },
        { "  -N, --nodes=MIN[-MAX] ", false },
        { "  -n, --ntasks=N ", false },
        { "      --ntasks-per-node=N ", false },
        { "      --open-mode=append|truncate ", false },
        { "  -o, --output=PATTERN ", false },
        { "  -p, --partition=NAME ", false },
        { "  -q, --qos=NAME ", true },
        { "      --requeue ", true },
        { "      --signal=[{R|B}:]SIG[@SECS]", true },
        { "  -t, --time=LIMIT ", false },
        { "  -W, --wait ", false },
        { "      --wrap=COMMAND ", false },
    };
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);
    size_t option_lines = 0;

    assert_non_null(fp);
    job_opts_print_usage("tess batch", fp);
    fclose(fp);
    assert_true(strncmp(text, "Usage: tess batch [OPTIONS] SCRIPT [ARGS...]\n",
                        45) == 0);
    for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
        if (!strncmp(p, "  -", 3) || !strncmp(p, "      --", 8))
            option_lines++;
        if (!strchr(p, '\n'))
            break;
    }
    assert_int_equal(option_lines, sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const char *line = strstr(text, expected[i].line);
        const char *end = NULL;
        const char *mark = NULL;

        if (!line)
            fail_msg("usage lacks '%s'", expected[i].line);
        /* The help may continue on the next line for long names: look
         * up to the next option. */
        end = strstr(line + 1, "\n  -");
        if (!end || (strstr(line + 1, "\n      --") &&
                     strstr(line + 1, "\n      --") < end))
            end = strstr(line + 1, "\n      --");
        if (!end || (strstr(line, "\n\n") && strstr(line, "\n\n") < end))
            end = strstr(line, "\n\n");
        if (!end)
            end = line + strlen(line);
        mark = strstr(line, "(*)");
        assert_int_equal(mark != NULL && mark < end, expected[i].is_pending);
    }
    assert_non_null(strstr(text, "\n(*) accepted, but not yet acted on by "
                                 "this version\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_begin),
        cmocka_unit_test(test_operands),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_argv_errors),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_script_errors),
        cmocka_unit_test(test_script_nul_and_size),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_precedence_wait_and_wrap),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_print_warnings),
        cmocka_unit_test(test_usage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
