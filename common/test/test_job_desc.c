/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the job.submit and job.launch codecs (common/job_desc.c,
 * common/job_launch.c).
 *
 * Round trips fill every field with a value other than its default and
 * compare field by field, then re-encode and compare the JSON. Malformed
 * inputs are a table of JSON texts and the exact message each must give;
 * inputs too large to write out (4 MiB scripts, 10,001 env entries) are
 * built in code. */
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

#include <cmocka.h>
#include <jansson.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/job_launch.h"
#include "common/xalloc.h"

static void assert_str_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_strv_equal(char *const *a, size_t na, char *const *b,
                              size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
    if (na > 0) {
        assert_null(a[na]);
        assert_null(b[nb]);
    }
}

/* ---------------------------------------------------------------- job_desc */

/* Every field set to something other than its default. */
static struct job_desc *full_desc(void)
{
    struct job_desc *jd = job_desc_create();

    jd->name = xstrdup("train \"big\" model");
    jd->partition = xstrdup("gpu");
    jd->account = xstrdup("physics");
    jd->qos = xstrdup("high");
    jd->min_nodes = 2;
    jd->max_nodes = 4;
    jd->ntasks = 16;
    jd->ntasks_per_node = 8;
    jd->cpus_per_task = 3;
    jd->mem_per_node_mib = 0;
    jd->is_mem_whole_node = false;
    jd->mem_per_cpu_mib = 2048;
    jd->mem_per_gpu_mib = 0;
    jd->time_limit_min = 90;
    jd->std_out = xstrdup("out-%j.txt");
    jd->std_err = xstrdup("err-%j.txt");
    jd->std_in = xstrdup("in.txt");
    jd->gpu_type = xstrdup("a100");
    jd->gpus = 0;
    jd->gpus_per_node = 4;
    jd->gpus_per_task = 0;
    jd->constraint = xstrdup("ib&nvme");
    jd->exclusive = true;
    jd->array = xstrdup("0-15%4");
    jd->dependency = xstrdup("afterok:42");
    jd->signal = xstrdup("B:USR1@60");
    jd->requeue = JOB_REQUEUE_NO;
    jd->export_env = xstrdup("NONE");
    jd->work_dir = xstrdup("/home/ada/run");
    jd->open_mode = JOB_OPEN_APPEND;
    jd->begin_time = 1900000000;
    jd->hold = true;
    jd->wait = true;
    jd->script = xstrdup("#!/bin/sh\n#SBATCH -N 2\nsrun hostname\n");
    job_desc_add_arg(jd, "--epochs");
    job_desc_add_arg(jd, "10");
    job_desc_add_env(jd, "PATH=/usr/bin");
    job_desc_add_env(jd, "EMPTY=");
    job_desc_add_env(jd, "UNICODE=\xc3\xa9t\xc3\xa9");
    return jd;
}

/* Field by field; 'wait' is not sent, so it is left out. */
static void assert_desc_equal(const struct job_desc *a,
                              const struct job_desc *b)
{
    assert_str_or_null(a->name, b->name);
    assert_str_or_null(a->partition, b->partition);
    assert_str_or_null(a->account, b->account);
    assert_str_or_null(a->qos, b->qos);
    assert_int_equal(a->min_nodes, b->min_nodes);
    assert_int_equal(a->max_nodes, b->max_nodes);
    assert_int_equal(a->ntasks, b->ntasks);
    assert_int_equal(a->ntasks_per_node, b->ntasks_per_node);
    assert_int_equal(a->cpus_per_task, b->cpus_per_task);
    assert_int_equal(a->mem_per_node_mib, b->mem_per_node_mib);
    assert_int_equal(a->is_mem_whole_node, b->is_mem_whole_node);
    assert_int_equal(a->mem_per_cpu_mib, b->mem_per_cpu_mib);
    assert_int_equal(a->mem_per_gpu_mib, b->mem_per_gpu_mib);
    assert_int_equal(a->time_limit_min, b->time_limit_min);
    assert_str_or_null(a->std_out, b->std_out);
    assert_str_or_null(a->std_err, b->std_err);
    assert_str_or_null(a->std_in, b->std_in);
    assert_str_or_null(a->gpu_type, b->gpu_type);
    assert_int_equal(a->gpus, b->gpus);
    assert_int_equal(a->gpus_per_node, b->gpus_per_node);
    assert_int_equal(a->gpus_per_task, b->gpus_per_task);
    assert_str_or_null(a->constraint, b->constraint);
    assert_int_equal(a->exclusive, b->exclusive);
    assert_str_or_null(a->array, b->array);
    assert_str_or_null(a->dependency, b->dependency);
    assert_str_or_null(a->signal, b->signal);
    assert_int_equal(a->requeue, b->requeue);
    assert_str_or_null(a->export_env, b->export_env);
    assert_str_or_null(a->work_dir, b->work_dir);
    assert_int_equal(a->open_mode, b->open_mode);
    assert_int_equal(a->begin_time, b->begin_time);
    assert_int_equal(a->hold, b->hold);
    assert_str_or_null(a->script, b->script);
    assert_strv_equal(a->argv, a->argc, b->argv, b->argc);
    assert_strv_equal(a->env, a->envc, b->env, b->envc);
}

/* Encode, decode, compare, and check that re-encoding is identical. */
static void desc_round_trip(const struct job_desc *jd)
{
    struct tess_error err = { "" };
    json_t *o = job_desc_to_json(jd);
    json_t *o2 = NULL;
    struct job_desc *back = NULL;
    char *text = NULL;
    json_t *parsed = NULL;

    assert_non_null(o);
    assert_null(json_object_get(o, "wait"));
    /* Through text, as on the wire. */
    text = json_dumps(o, JSON_COMPACT);
    assert_non_null(text);
    parsed = json_loads(text, 0, NULL);
    assert_non_null(parsed);
    back = job_desc_from_json(parsed, &err);
    if (!back)
        fail_msg("decode failed: %s", err.text);
    assert_desc_equal(jd, back);
    assert_false(back->wait);
    o2 = job_desc_to_json(back);
    assert_true(json_equal(o, o2));
    json_decref(o);
    json_decref(o2);
    json_decref(parsed);
    free(text);
    job_desc_destroy(back);
}

static void test_desc_round_trip_full(void **state)
{
    struct job_desc *jd = full_desc();
    json_t *o = job_desc_to_json(jd);

    /* Spot-check the wire form of each kind of field. */
    assert_string_equal(json_string_value(json_object_get(o, "name")),
                        "train \"big\" model");
    assert_int_equal(json_integer_value(json_object_get(o, "ntasks")), 16);
    assert_int_equal(json_integer_value(json_object_get(o, "mem_per_cpu_mib")),
                     2048);
    assert_true(json_is_true(json_object_get(o, "exclusive")));
    assert_string_equal(json_string_value(json_object_get(o, "requeue")), "no");
    assert_string_equal(json_string_value(json_object_get(o, "open_mode")),
                        "append");
    assert_int_equal(json_array_size(json_object_get(o, "env")), 3);
    assert_int_equal(json_array_size(json_object_get(o, "argv")), 2);
    /* Unset optional fields are left out. */
    assert_null(json_object_get(o, "gpus"));
    assert_null(json_object_get(o, "mem_per_node_mib"));
    assert_null(json_object_get(o, "is_mem_whole_node"));
    assert_null(json_object_get(o, "uid"));
    json_decref(o);
    desc_round_trip(jd);
    job_desc_destroy(jd);
}

/* The fields the full description leaves at their defaults. */
static void test_desc_round_trip_other_values(void **state)
{
    struct job_desc *jd = full_desc();

    jd->mem_per_cpu_mib = 0;
    jd->is_mem_whole_node = true;
    jd->gpus_per_node = 0;
    jd->gpus = 8;
    jd->requeue = JOB_REQUEUE_YES;
    jd->time_limit_min = JOB_TIME_INFINITE;
    desc_round_trip(jd);

    jd->is_mem_whole_node = false;
    jd->mem_per_node_mib = JOB_MEM_MAX_MIB;
    jd->gpus = 0;
    jd->gpus_per_task = 1;
    jd->max_nodes = 0;
    jd->requeue = JOB_REQUEUE_DEFAULT;
    jd->open_mode = JOB_OPEN_TRUNCATE;
    desc_round_trip(jd);

    jd->mem_per_node_mib = 0;
    jd->mem_per_gpu_mib = 1;
    XFREE(jd->gpu_type);
    desc_round_trip(jd);
    job_desc_destroy(jd);
}

static void test_desc_minimal(void **state)
{
    struct tess_error err = { "" };
    struct job_desc *jd = job_desc_create();
    struct job_desc *back = NULL;
    json_t *o = NULL;
    const char *key;
    json_t *v;

    jd->script = xstrdup("#!/bin/sh\ntrue\n");
    o = job_desc_to_json(jd);
    assert_int_equal(json_object_size(o), 1);
    json_object_foreach (o, key, v) {
        assert_string_equal(key, "script");
    }
    back = job_desc_from_json(o, &err);
    assert_non_null(back);
    assert_int_equal(back->time_limit_min, JOB_TIME_UNSET);
    assert_int_equal(back->requeue, JOB_REQUEUE_DEFAULT);
    assert_int_equal(back->open_mode, JOB_OPEN_TRUNCATE);
    assert_null(back->argv);
    assert_int_equal(back->argc, 0);
    assert_null(back->env);
    assert_int_equal(job_desc_nodes(back), 1);
    assert_int_equal(job_desc_ntasks(back), 1);
    assert_int_equal(job_desc_cpus_per_task(back), 1);
    json_decref(o);
    job_desc_destroy(jd);
    job_desc_destroy(back);
}

/* Unknown keys (and the CLI-only 'wait') are ignored. */
static void test_desc_unknown_keys(void **state)
{
    struct tess_error err = { "" };
    json_t *o = json_loads("{\"script\":\"#!/bin/sh\\n\",\"frobnicate\":[1],"
                           "\"wait\":true,\"uid\":0,\"ntasks\":2}",
                           0, NULL);
    struct job_desc *jd = job_desc_from_json(o, &err);

    assert_non_null(jd);
    assert_false(jd->wait);
    assert_int_equal(jd->ntasks, 2);
    job_desc_destroy(jd);
    json_decref(o);
}

static const struct {
    const char *json;
    const char *error;
} desc_bad_cases[] = {
    { "[]", "job.submit: expected a JSON object" },
    { "{}", "job.submit: missing required field 'script'" },
    { "{\"ntasks\":1}", "job.submit: missing required field 'script'" },
    { "{\"script\":5}",
      "job.submit: field 'script': expected string of 1..4194304 bytes" },
    { "{\"script\":\"\"}",
      "job.submit: field 'script': expected string of 1..4194304 bytes" },
    { "{\"script\":null}",
      "job.submit: field 'script': expected string of 1..4194304 bytes" },
    { "{\"script\":\"x\",\"ntasks\":\"4\"}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks\":0}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks\":100001}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks\":-1}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks\":2.0}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks\":true}",
      "job.submit: field 'ntasks': expected integer 1..100000" },
    { "{\"script\":\"x\",\"min_nodes\":0}",
      "job.submit: field 'min_nodes': expected integer 1..100000" },
    { "{\"script\":\"x\",\"max_nodes\":100001}",
      "job.submit: field 'max_nodes': expected integer 1..100000" },
    { "{\"script\":\"x\",\"ntasks_per_node\":0}",
      "job.submit: field 'ntasks_per_node': expected integer 1..100000" },
    { "{\"script\":\"x\",\"cpus_per_task\":[]}",
      "job.submit: field 'cpus_per_task': expected integer 1..100000" },
    { "{\"script\":\"x\",\"gpus\":0}",
      "job.submit: field 'gpus': expected integer 1..100000" },
    { "{\"script\":\"x\",\"gpus_per_node\":1e3}",
      "job.submit: field 'gpus_per_node': expected integer 1..100000" },
    { "{\"script\":\"x\",\"gpus_per_task\":-3}",
      "job.submit: field 'gpus_per_task': expected integer 1..100000" },
    { "{\"script\":\"x\",\"mem_per_node_mib\":0}",
      "job.submit: field 'mem_per_node_mib': expected integer "
      "1..1099511627776" },
    { "{\"script\":\"x\",\"mem_per_cpu_mib\":1099511627777}",
      "job.submit: field 'mem_per_cpu_mib': expected integer "
      "1..1099511627776" },
    { "{\"script\":\"x\",\"mem_per_gpu_mib\":\"1G\"}",
      "job.submit: field 'mem_per_gpu_mib': expected integer "
      "1..1099511627776" },
    { "{\"script\":\"x\",\"is_mem_whole_node\":1}",
      "job.submit: field 'is_mem_whole_node': expected boolean" },
    { "{\"script\":\"x\",\"time_limit_min\":0}",
      "job.submit: field 'time_limit_min': expected integer 1..4294967294" },
    { "{\"script\":\"x\",\"time_limit_min\":4294967295}",
      "job.submit: field 'time_limit_min': expected integer 1..4294967294" },
    { "{\"script\":\"x\",\"name\":7}",
      "job.submit: field 'name': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"partition\":{}}",
      "job.submit: field 'partition': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"account\":false}",
      "job.submit: field 'account': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"qos\":null}",
      "job.submit: field 'qos': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"std_out\":1}",
      "job.submit: field 'std_out': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"std_err\":1}",
      "job.submit: field 'std_err': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"std_in\":1}",
      "job.submit: field 'std_in': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"gpus\":1,\"gpu_type\":"
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
      "job.submit: field 'gpu_type': expected string of at most 64 bytes" },
    { "{\"script\":\"x\",\"constraint\":1}",
      "job.submit: field 'constraint': expected string of at most 4096 "
      "bytes" },
    { "{\"script\":\"x\",\"exclusive\":\"yes\"}",
      "job.submit: field 'exclusive': expected boolean" },
    { "{\"script\":\"x\",\"array\":[\"1\"]}",
      "job.submit: field 'array': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"dependency\":1}",
      "job.submit: field 'dependency': expected string of at most 4096 "
      "bytes" },
    { "{\"script\":\"x\",\"signal\":1}",
      "job.submit: field 'signal': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"requeue\":\"maybe\"}",
      "job.submit: field 'requeue': expected one of \"default\", \"yes\", "
      "\"no\"" },
    { "{\"script\":\"x\",\"requeue\":true}",
      "job.submit: field 'requeue': expected one of \"default\", \"yes\", "
      "\"no\"" },
    { "{\"script\":\"x\",\"export_env\":1}",
      "job.submit: field 'export_env': expected string of at most 4096 "
      "bytes" },
    { "{\"script\":\"x\",\"work_dir\":1}",
      "job.submit: field 'work_dir': expected string of at most 4096 bytes" },
    { "{\"script\":\"x\",\"open_mode\":1}",
      "job.submit: field 'open_mode': expected one of \"truncate\", "
      "\"append\"" },
    { "{\"script\":\"x\",\"open_mode\":\"APPEND\"}",
      "job.submit: field 'open_mode': expected one of \"truncate\", "
      "\"append\"" },
    { "{\"script\":\"x\",\"begin_time\":0}",
      "job.submit: field 'begin_time': expected integer 1..253402300799" },
    { "{\"script\":\"x\",\"begin_time\":-5}",
      "job.submit: field 'begin_time': expected integer 1..253402300799" },
    { "{\"script\":\"x\",\"begin_time\":253402300800}",
      "job.submit: field 'begin_time': expected integer 1..253402300799" },
    { "{\"script\":\"x\",\"hold\":0}",
      "job.submit: field 'hold': expected boolean" },
    { "{\"script\":\"x\",\"env\":\"A=B\"}",
      "job.submit: field 'env': expected array of at most 10000 strings" },
    { "{\"script\":\"x\",\"env\":{\"A\":\"B\"}}",
      "job.submit: field 'env': expected array of at most 10000 strings" },
    { "{\"script\":\"x\",\"env\":[\"A=B\",5]}",
      "job.submit: field 'env': entry 1: expected string of at most 131072 "
      "bytes" },
    { "{\"script\":\"x\",\"env\":[null]}",
      "job.submit: field 'env': entry 0: expected string of at most 131072 "
      "bytes" },
    { "{\"script\":\"x\",\"env\":[\"NOEQUALS\"]}",
      "job.submit: field 'env': entry 0: expected \"NAME=VALUE\"" },
    { "{\"script\":\"x\",\"env\":[\"A=1\",\"=1\"]}",
      "job.submit: field 'env': entry 1: expected \"NAME=VALUE\"" },
    { "{\"script\":\"x\",\"argv\":\"a b\"}",
      "job.submit: field 'argv': expected array of at most 1000 strings" },
    { "{\"script\":\"x\",\"argv\":[\"a\",[\"b\"]]}",
      "job.submit: field 'argv': entry 1: expected string of at most 131072 "
      "bytes" },
    { "{\"script\":\"x\",\"min_nodes\":4,\"max_nodes\":2}",
      "job.submit: field 'max_nodes': less than min_nodes" },
    { "{\"script\":\"x\",\"mem_per_node_mib\":4,\"is_mem_whole_node\":true}",
      "job.submit: fields 'mem_per_node_mib' and 'is_mem_whole_node' are "
      "mutually exclusive" },
    { "{\"script\":\"x\",\"mem_per_node_mib\":4,\"mem_per_cpu_mib\":4}",
      "job.submit: at most one of 'mem_per_node_mib', 'mem_per_cpu_mib' and "
      "'mem_per_gpu_mib' may be set" },
    { "{\"script\":\"x\",\"is_mem_whole_node\":true,\"mem_per_gpu_mib\":4}",
      "job.submit: at most one of 'mem_per_node_mib', 'mem_per_cpu_mib' and "
      "'mem_per_gpu_mib' may be set" },
    { "{\"script\":\"x\",\"gpus\":1,\"gpus_per_task\":1}",
      "job.submit: at most one of 'gpus', 'gpus_per_node' and "
      "'gpus_per_task' may be set" },
    { "{\"script\":\"x\",\"gpu_type\":\"a100\"}",
      "job.submit: field 'gpu_type': needs 'gpus', 'gpus_per_node' or "
      "'gpus_per_task'" },
};

static void expect_desc_error(const json_t *o, const char *error)
{
    struct tess_error err = { "" };
    struct job_desc *jd = NULL;

    errno = 0;
    jd = job_desc_from_json(o, &err);
    assert_null(jd);
    assert_int_equal(errno, EPROTO);
    assert_string_equal(err.text, error);
}

static void test_desc_bad_table(void **state)
{
    for (size_t i = 0; i < sizeof(desc_bad_cases) / sizeof(desc_bad_cases[0]);
         i++) {
        json_error_t jerr;
        json_t *o = json_loads(desc_bad_cases[i].json, JSON_DECODE_ANY, &jerr);

        if (!o)
            fail_msg("case %zu: bad test JSON: %s", i, jerr.text);
        expect_desc_error(o, desc_bad_cases[i].error);
        json_decref(o);
    }
}

static char *repeat(char c, size_t n)
{
    char *s = xmalloc(n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Lengths and counts at and just past each limit. */
static void test_desc_limits(void **state)
{
    struct tess_error err = { "" };
    char *s = NULL;
    json_t *o = NULL;
    json_t *a = NULL;
    struct job_desc *jd = NULL;

    /* name: 4096 bytes pass, 4097 fail */
    s = repeat('n', JOB_STR_MAX);
    o = json_pack("{s:s, s:s}", "script", "x", "name", s);
    jd = job_desc_from_json(o, &err);
    assert_non_null(jd);
    job_desc_destroy(jd);
    free(s);
    s = repeat('n', JOB_STR_MAX + 1);
    json_object_set_new(o, "name", json_string(s));
    expect_desc_error(o, "job.submit: field 'name': expected string of at "
                         "most 4096 bytes");
    json_decref(o);
    free(s);

    /* An embedded NUL is not a string we accept. */
    o = json_pack("{s:s}", "script", "x");
    json_object_set_new(o, "partition", json_stringn("gp\0u", 4));
    expect_desc_error(o, "job.submit: field 'partition': expected string of "
                         "at most 4096 bytes");
    json_decref(o);

    /* script: 4 MiB pass, one more byte fails */
    s = repeat('#', JOB_SCRIPT_MAX);
    o = json_pack("{s:s}", "script", s);
    jd = job_desc_from_json(o, &err);
    assert_non_null(jd);
    job_desc_destroy(jd);
    json_decref(o);
    free(s);
    s = repeat('#', JOB_SCRIPT_MAX + 1);
    o = json_pack("{s:s}", "script", s);
    expect_desc_error(o, "job.submit: field 'script': expected string of "
                         "1..4194304 bytes");
    json_decref(o);
    free(s);

    /* env entries: 128 KiB pass, one more byte fails */
    s = repeat('v', JOB_ENV_ENTRY_MAX);
    s[0] = 'K';
    s[1] = '=';
    o = json_pack("{s:s, s:[s]}", "script", "x", "env", s);
    jd = job_desc_from_json(o, &err);
    assert_non_null(jd);
    job_desc_destroy(jd);
    json_decref(o);
    free(s);
    s = repeat('v', JOB_ENV_ENTRY_MAX + 1);
    s[0] = 'K';
    s[1] = '=';
    o = json_pack("{s:s, s:[s]}", "script", "x", "env", s);
    expect_desc_error(o, "job.submit: field 'env': entry 0: expected string "
                         "of at most 131072 bytes");
    json_decref(o);
    free(s);

    /* env: 10,000 entries pass, 10,001 fail */
    a = json_array();
    for (size_t i = 0; i < JOB_ENV_MAX; i++)
        json_array_append_new(a, json_string("A=1"));
    o = json_pack("{s:s, s:O}", "script", "x", "env", a);
    jd = job_desc_from_json(o, &err);
    assert_non_null(jd);
    assert_int_equal(jd->envc, JOB_ENV_MAX);
    job_desc_destroy(jd);
    json_array_append_new(a, json_string("A=1"));
    expect_desc_error(o, "job.submit: field 'env': expected array of at most "
                         "10000 strings");
    json_decref(o);
    json_decref(a);

    /* argv: 1,000 entries pass, 1,001 fail */
    a = json_array();
    for (size_t i = 0; i < JOB_ARGV_MAX; i++)
        json_array_append_new(a, json_string("x"));
    o = json_pack("{s:s, s:O}", "script", "x", "argv", a);
    jd = job_desc_from_json(o, &err);
    assert_non_null(jd);
    job_desc_destroy(jd);
    json_array_append_new(a, json_string("x"));
    expect_desc_error(o, "job.submit: field 'argv': expected array of at "
                         "most 1000 strings");
    json_decref(o);
    json_decref(a);
}

/* A string JSON can't carry makes encoding fail, not produce bad JSON. */
static void test_desc_encode_bad_utf8(void **state)
{
    struct job_desc *jd = job_desc_create();

    jd->script = xstrdup("#!/bin/sh\n");
    job_desc_add_env(jd, "LATIN1=caf\xe9");
    errno = 0;
    assert_null(job_desc_to_json(jd));
    assert_int_equal(errno, EILSEQ);
    job_desc_destroy(jd);
}

static void test_desc_copy(void **state)
{
    struct job_desc *jd = full_desc();
    struct job_desc *c = job_desc_copy(jd);

    assert_desc_equal(jd, c);
    assert_int_equal(c->wait, jd->wait);
    assert_ptr_not_equal(c->name, jd->name);
    assert_ptr_not_equal(c->env, jd->env);
    assert_ptr_not_equal(c->env[0], jd->env[0]);
    job_desc_destroy(jd);
    /* The copy stands alone. */
    job_desc_add_arg(c, "more");
    assert_int_equal(c->argc, 3);
    assert_string_equal(c->argv[2], "more");
    assert_null(c->argv[3]);
    job_desc_destroy(c);
    job_desc_destroy(NULL);
}

static void test_desc_effective(void **state)
{
    static const struct {
        uint32_t min_nodes, ntasks, ntasks_per_node, cpus_per_task;
        uint32_t nodes, tasks, cpt;
    } cases[] = {
        { 0, 0, 0, 0, 1, 1, 1 },
        { 4, 0, 0, 0, 4, 4, 1 },
        { 4, 0, 8, 2, 4, 32, 2 },
        { 4, 6, 8, 0, 4, 6, 1 },
        { 0, 0, 3, 0, 1, 3, 1 },
        { 100000, 0, 100000, 0, 100000, UINT32_MAX, 1 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct job_desc *jd = job_desc_create();

        jd->min_nodes = cases[i].min_nodes;
        jd->ntasks = cases[i].ntasks;
        jd->ntasks_per_node = cases[i].ntasks_per_node;
        jd->cpus_per_task = cases[i].cpus_per_task;
        assert_int_equal(job_desc_nodes(jd), cases[i].nodes);
        assert_int_equal(job_desc_ntasks(jd), cases[i].tasks);
        assert_int_equal(job_desc_cpus_per_task(jd), cases[i].cpt);
        job_desc_destroy(jd);
    }
}

/* ---------------------------------------------------------------- launch */

static struct job_launch *full_launch(void)
{
    struct job_launch *l = job_launch_create();

    l->job_id = 4211;
    l->job_name = xstrdup("train");
    l->cluster_name = xstrdup("lab");
    l->partition = xstrdup("gpu");
    l->account = xstrdup("physics");
    l->uid = 1001;
    l->gid = 1002;
    l->user_name = xstrdup("ada");
    l->work_dir = xstrdup("/home/ada");
    l->script = xstrdup("#!/bin/sh\nhostname\n");
    l->argc = 2;
    l->argv = xcalloc(3, sizeof(char *));
    l->argv[0] = xstrdup("a");
    l->argv[1] = xstrdup("b c");
    l->envc = 1;
    l->env = xcalloc(2, sizeof(char *));
    l->env[0] = xstrdup("HOME=/home/ada");
    l->std_out = xstrdup("o-%j");
    l->std_err = xstrdup("e-%j");
    l->std_in = xstrdup("/dev/zero");
    l->open_mode = JOB_OPEN_APPEND;
    l->time_limit_min = 60;
    l->nodelist = xstrdup("rig[01-04]");
    l->nnodes = 4;
    l->node_index = 3;
    l->ntasks = 16;
    l->cpus_per_task = 2;
    l->cpus = 8;
    l->mem_mib = 65536;
    l->ngpus = 2;
    l->gpu_indices = xcalloc(2, sizeof(uint32_t));
    l->gpu_indices[0] = 1;
    l->gpu_indices[1] = 3;
    l->gpu_type = xstrdup("h100");
    l->submit_time = 1700000000;
    return l;
}

static void assert_launch_equal(const struct job_launch *a,
                                const struct job_launch *b)
{
    assert_int_equal(a->job_id, b->job_id);
    assert_str_or_null(a->job_name, b->job_name);
    assert_str_or_null(a->cluster_name, b->cluster_name);
    assert_str_or_null(a->partition, b->partition);
    assert_str_or_null(a->account, b->account);
    assert_int_equal(a->uid, b->uid);
    assert_int_equal(a->gid, b->gid);
    assert_str_or_null(a->user_name, b->user_name);
    assert_str_or_null(a->work_dir, b->work_dir);
    assert_str_or_null(a->script, b->script);
    assert_strv_equal(a->argv, a->argc, b->argv, b->argc);
    assert_strv_equal(a->env, a->envc, b->env, b->envc);
    assert_str_or_null(a->std_out, b->std_out);
    assert_str_or_null(a->std_err, b->std_err);
    assert_str_or_null(a->std_in, b->std_in);
    assert_int_equal(a->open_mode, b->open_mode);
    assert_int_equal(a->time_limit_min, b->time_limit_min);
    assert_str_or_null(a->nodelist, b->nodelist);
    assert_int_equal(a->nnodes, b->nnodes);
    assert_int_equal(a->node_index, b->node_index);
    assert_int_equal(a->ntasks, b->ntasks);
    assert_int_equal(a->cpus_per_task, b->cpus_per_task);
    assert_int_equal(a->cpus, b->cpus);
    assert_int_equal(a->mem_mib, b->mem_mib);
    assert_int_equal(a->ngpus, b->ngpus);
    for (size_t i = 0; i < a->ngpus; i++)
        assert_int_equal(a->gpu_indices[i], b->gpu_indices[i]);
    assert_str_or_null(a->gpu_type, b->gpu_type);
    assert_int_equal(a->submit_time, b->submit_time);
}

static void launch_round_trip(const struct job_launch *l)
{
    struct tess_error err = { "" };
    json_t *o = job_launch_to_json(l);
    char *text = json_dumps(o, JSON_COMPACT);
    json_t *parsed = json_loads(text, 0, NULL);
    struct job_launch *back = job_launch_from_json(parsed, &err);
    json_t *o2 = NULL;

    if (!back)
        fail_msg("decode failed: %s", err.text);
    assert_launch_equal(l, back);
    o2 = job_launch_to_json(back);
    assert_true(json_equal(o, o2));
    json_decref(o);
    json_decref(o2);
    json_decref(parsed);
    free(text);
    job_launch_destroy(back);
}

static void test_launch_round_trip_full(void **state)
{
    struct job_launch *l = full_launch();
    json_t *o = job_launch_to_json(l);

    assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1001);
    assert_int_equal(json_array_size(json_object_get(o, "gpu_indices")), 2);
    assert_string_equal(json_string_value(json_object_get(o, "open_mode")),
                        "append");
    json_decref(o);
    launch_round_trip(l);
    job_launch_destroy(l);
}

/* Only the required fields; uid/gid 0 (root) are still sent. */
static void test_launch_round_trip_minimal(void **state)
{
    struct job_launch *l = job_launch_create();
    json_t *o = NULL;

    l->job_id = 1;
    l->user_name = xstrdup("root");
    l->work_dir = xstrdup("/");
    l->script = xstrdup("#!/bin/sh\n");
    l->nodelist = xstrdup("n1");
    l->nnodes = 1;
    o = job_launch_to_json(l);
    assert_int_equal(json_object_size(o), 9);
    assert_int_equal(json_integer_value(json_object_get(o, "uid")), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "node_index")), 0);
    assert_null(json_object_get(o, "time_limit_min"));
    json_decref(o);
    launch_round_trip(l);
    assert_int_equal(l->time_limit_min, JOB_TIME_INFINITE);
    job_launch_destroy(l);
}

static void test_launch_missing_required(void **state)
{
    static const char *const required[] = {
        "job_id", "uid",      "gid",    "user_name",  "work_dir",
        "script", "nodelist", "nnodes", "node_index",
    };
    struct job_launch *l = full_launch();
    json_t *full = job_launch_to_json(l);

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        struct tess_error err = { "" };
        json_t *o = json_deep_copy(full);
        char want[128];

        assert_int_equal(json_object_del(o, required[i]), 0);
        errno = 0;
        assert_null(job_launch_from_json(o, &err));
        assert_int_equal(errno, EPROTO);
        snprintf(want, sizeof(want), "job.launch: missing required field '%s'",
                 required[i]);
        assert_string_equal(err.text, want);
        json_decref(o);
    }
    json_decref(full);
    job_launch_destroy(l);
}

/* Each row replaces one key of a valid message. */
static const struct {
    const char *key;
    const char *value; /* JSON */
    const char *error;
} launch_bad_cases[] = {
    { "job_id", "0",
      "job.launch: field 'job_id': expected integer "
      "1..4294967295" },
    { "job_id", "\"7\"",
      "job.launch: field 'job_id': expected integer "
      "1..4294967295" },
    { "uid", "-1", "job.launch: field 'uid': expected integer 0..4294967294" },
    { "gid", "4294967295",
      "job.launch: field 'gid': expected integer "
      "0..4294967294" },
    { "user_name", "\"\"",
      "job.launch: field 'user_name': expected string "
      "of 1..4096 bytes" },
    { "work_dir", "null",
      "job.launch: field 'work_dir': expected string of "
      "1..4096 bytes" },
    { "script", "[]",
      "job.launch: field 'script': expected string of "
      "1..4194304 bytes" },
    { "job_name", "1",
      "job.launch: field 'job_name': expected string of at "
      "most 4096 bytes" },
    { "cluster_name", "1",
      "job.launch: field 'cluster_name': expected "
      "string of at most 4096 bytes" },
    { "account", "1",
      "job.launch: field 'account': expected string of at "
      "most 4096 bytes" },
    { "argv", "[1]",
      "job.launch: field 'argv': entry 0: expected string of "
      "at most 131072 bytes" },
    { "env", "[\"X\"]",
      "job.launch: field 'env': entry 0: expected "
      "\"NAME=VALUE\"" },
    { "env", "\"X=1\"",
      "job.launch: field 'env': expected array of at most "
      "10000 strings" },
    { "open_mode", "\"overwrite\"",
      "job.launch: field 'open_mode': "
      "expected one of \"truncate\", "
      "\"append\"" },
    { "time_limit_min", "0",
      "job.launch: field 'time_limit_min': expected "
      "integer 1..4294967294" },
    { "nodelist", "\"\"",
      "job.launch: field 'nodelist': expected string of "
      "1..1048576 bytes" },
    { "nnodes", "0",
      "job.launch: field 'nnodes': expected integer "
      "1..100000" },
    { "node_index", "4",
      "job.launch: field 'node_index': expected integer "
      "0..3 (nnodes - 1)" },
    { "node_index", "-1",
      "job.launch: field 'node_index': expected integer "
      "0..99999" },
    { "ntasks", "0",
      "job.launch: field 'ntasks': expected integer "
      "1..4294967295" },
    { "cpus", "true",
      "job.launch: field 'cpus': expected integer "
      "1..100000" },
    { "cpus_per_task", "0",
      "job.launch: field 'cpus_per_task': expected "
      "integer 1..100000" },
    { "mem_mib", "0",
      "job.launch: field 'mem_mib': expected integer "
      "1..1099511627776" },
    { "gpu_indices", "3",
      "job.launch: field 'gpu_indices': expected array "
      "of at most 1024 integers 0..65535" },
    { "gpu_indices", "[0,-1]",
      "job.launch: field 'gpu_indices': expected "
      "array of at most 1024 integers 0..65535" },
    { "gpu_indices", "[65536]",
      "job.launch: field 'gpu_indices': expected "
      "array of at most 1024 integers 0..65535" },
    { "gpu_indices", "[\"0\"]",
      "job.launch: field 'gpu_indices': expected "
      "array of at most 1024 integers 0..65535" },
    { "gpu_type", "{}",
      "job.launch: field 'gpu_type': expected string of at "
      "most 64 bytes" },
    { "submit_time", "0",
      "job.launch: field 'submit_time': expected integer "
      "1..253402300799" },
};

static void test_launch_bad_table(void **state)
{
    struct job_launch *l = full_launch();
    json_t *full = job_launch_to_json(l);

    for (size_t i = 0;
         i < sizeof(launch_bad_cases) / sizeof(launch_bad_cases[0]); i++) {
        struct tess_error err = { "" };
        json_t *o = json_deep_copy(full);
        json_t *v =
            json_loads(launch_bad_cases[i].value, JSON_DECODE_ANY, NULL);

        assert_non_null(v);
        json_object_set_new(o, launch_bad_cases[i].key, v);
        errno = 0;
        assert_null(job_launch_from_json(o, &err));
        assert_int_equal(errno, EPROTO);
        assert_string_equal(err.text, launch_bad_cases[i].error);
        json_decref(o);
    }
    json_decref(full);
    job_launch_destroy(l);
}

static void test_launch_gpu_limit(void **state)
{
    struct tess_error err = { "" };
    struct job_launch *l = full_launch();
    json_t *o = job_launch_to_json(l);
    json_t *a = json_array();
    struct job_launch *back = NULL;

    for (int i = 0; i < 1024; i++)
        json_array_append_new(a, json_integer(i));
    json_object_set(o, "gpu_indices", a);
    back = job_launch_from_json(o, &err);
    assert_non_null(back);
    assert_int_equal(back->ngpus, 1024);
    assert_int_equal(back->gpu_indices[1023], 1023);
    job_launch_destroy(back);
    json_array_append_new(a, json_integer(0));
    assert_null(job_launch_from_json(o, &err));
    assert_string_equal(err.text, "job.launch: field 'gpu_indices': expected "
                                  "array of at most 1024 integers 0..65535");
    json_decref(a);
    json_decref(o);
    job_launch_destroy(l);
}

static void test_launch_copy(void **state)
{
    struct job_launch *l = full_launch();
    struct job_launch *c = job_launch_copy(l);

    assert_launch_equal(l, c);
    assert_ptr_not_equal(c->gpu_indices, l->gpu_indices);
    assert_ptr_not_equal(c->argv[1], l->argv[1]);
    job_launch_destroy(l);
    launch_round_trip(c);
    job_launch_destroy(c);
    job_launch_destroy(NULL);
}

static void test_launch_not_object(void **state)
{
    struct tess_error err = { "" };
    json_t *o = json_string("job");

    assert_null(job_launch_from_json(o, &err));
    assert_int_equal(errno, EPROTO);
    assert_string_equal(err.text, "job.launch: expected a JSON object");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desc_round_trip_full),
        cmocka_unit_test(test_desc_round_trip_other_values),
        cmocka_unit_test(test_desc_minimal),
        cmocka_unit_test(test_desc_unknown_keys),
        cmocka_unit_test(test_desc_bad_table),
        cmocka_unit_test(test_desc_limits),
        cmocka_unit_test(test_desc_encode_bad_utf8),
        cmocka_unit_test(test_desc_copy),
        cmocka_unit_test(test_desc_effective),
        cmocka_unit_test(test_launch_round_trip_full),
        cmocka_unit_test(test_launch_round_trip_minimal),
        cmocka_unit_test(test_launch_missing_required),
        cmocka_unit_test(test_launch_bad_table),
        cmocka_unit_test(test_launch_gpu_limit),
        cmocka_unit_test(test_launch_copy),
        cmocka_unit_test(test_launch_not_object),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
