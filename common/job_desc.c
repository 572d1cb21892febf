/* SPDX-License-Identifier: Apache-2.0 */
/* The job description (struct job_desc) and its job.submit codec.
 * One const table lists every field that travels: its JSON key, type,
 * bounds and the value that means "unset". A small engine walks such a
 * table to encode, decode, copy and free, so adding a field is one row;
 * job_launch.c drives the same engine with its own table. Decoding checks
 * the type, range and length of every field, ignores unknown keys and
 * names a missing required key; cross-field rules come after the table. */
#include "config.h"

#include "common/job_desc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "common/xalloc.h"

static const char *const open_mode_names[] = {
    [JOB_OPEN_TRUNCATE] = "truncate",
    [JOB_OPEN_APPEND] = "append",
    NULL,
};

static const char *const requeue_names[] = {
    [JOB_REQUEUE_DEFAULT] = "default",
    [JOB_REQUEUE_YES] = "yes",
    [JOB_REQUEUE_NO] = "no",
    NULL,
};

/* ENUM fields are read and written as int. */
_Static_assert(sizeof(enum job_open_mode) == sizeof(int) &&
                   sizeof(enum job_requeue) == sizeof(int),
               "job enums must be int-sized");

#define OFF(m) offsetof(struct job_desc, m)
#define STR(m, max_)                                                           \
    {                                                                          \
        .key = #m, .type = JOB_DESC_FIELD_STR, .offset = OFF(m), .max = (max_) \
    }
#define COUNT(m)                                                           \
    {                                                                      \
        .key = #m, .type = JOB_DESC_FIELD_U32, .offset = OFF(m), .min = 1, \
        .max = JOB_COUNT_MAX                                               \
    }
#define MEM(m)                                                             \
    {                                                                      \
        .key = #m, .type = JOB_DESC_FIELD_U64, .offset = OFF(m), .min = 1, \
        .max = (int64_t)JOB_MEM_MAX_MIB                                    \
    }
#define FLAG(m)                                                  \
    {                                                            \
        .key = #m, .type = JOB_DESC_FIELD_BOOL, .offset = OFF(m) \
    }

/* 'wait' is CLI-only and deliberately absent. */
static const struct job_desc_field desc_fields[] = {
    STR(name, JOB_STR_MAX),
    STR(partition, JOB_STR_MAX),
    STR(account, JOB_STR_MAX),
    STR(qos, JOB_STR_MAX),
    COUNT(min_nodes),
    COUNT(max_nodes),
    COUNT(ntasks),
    COUNT(ntasks_per_node),
    COUNT(cpus_per_task),
    MEM(mem_per_node_mib),
    FLAG(is_mem_whole_node),
    MEM(mem_per_cpu_mib),
    MEM(mem_per_gpu_mib),
    { .key = "time_limit_min",
      .type = JOB_DESC_FIELD_U32,
      .offset = OFF(time_limit_min),
      .min = 1,
      .max = JOB_TIME_INFINITE,
      .unset = JOB_TIME_UNSET },
    STR(std_out, JOB_STR_MAX),
    STR(std_err, JOB_STR_MAX),
    STR(std_in, JOB_STR_MAX),
    STR(gpu_type, JOB_GPU_TYPE_MAX),
    COUNT(gpus),
    COUNT(gpus_per_node),
    COUNT(gpus_per_task),
    STR(constraint, JOB_STR_MAX),
    FLAG(exclusive),
    STR(array, JOB_STR_MAX),
    STR(dependency, JOB_STR_MAX),
    STR(signal, JOB_STR_MAX),
    { .key = "requeue",
      .type = JOB_DESC_FIELD_ENUM,
      .offset = OFF(requeue),
      .unset = JOB_REQUEUE_DEFAULT,
      .names = requeue_names },
    STR(export_env, JOB_STR_MAX),
    STR(work_dir, JOB_STR_MAX),
    { .key = "open_mode",
      .type = JOB_DESC_FIELD_ENUM,
      .offset = OFF(open_mode),
      .unset = JOB_OPEN_TRUNCATE,
      .names = open_mode_names },
    { .key = "begin_time",
      .type = JOB_DESC_FIELD_I64,
      .offset = OFF(begin_time),
      .min = 1,
      .max = JOB_BEGIN_MAX },
    FLAG(hold),
    { .key = "script",
      .type = JOB_DESC_FIELD_STR,
      .offset = OFF(script),
      .is_required = true,
      .min = 1,
      .max = JOB_SCRIPT_MAX },
    { .key = "argv",
      .type = JOB_DESC_FIELD_STRV,
      .offset = OFF(argv),
      .count_offset = OFF(argc),
      .max = JOB_ARGV_MAX,
      .item_max = JOB_ARG_MAX },
    { .key = "env",
      .type = JOB_DESC_FIELD_ENVV,
      .offset = OFF(env),
      .count_offset = OFF(envc),
      .max = JOB_ENV_MAX,
      .item_max = JOB_ENV_ENTRY_MAX },
};

#define NFIELDS (sizeof(desc_fields) / sizeof(desc_fields[0]))

/* ---------------------------------------------------------------- engine */

static void *member(const void *obj, size_t offset)
{
    return (char *)obj + offset;
}

static size_t names_count(const char *const *names)
{
    size_t n = 0;

    while (names[n])
        n++;
    return n;
}

static void strv_free(char **v)
{
    if (v) {
        for (size_t i = 0; v[i]; i++)
            free(v[i]);
        free(v);
    }
}

void job_desc_field_free(const struct job_desc_field *fields, size_t nfields,
                         void *obj)
{
    for (size_t i = 0; i < nfields; i++) {
        const struct job_desc_field *f = &fields[i];
        void *p = member(obj, f->offset);

        switch (f->type) {
        case JOB_DESC_FIELD_STR:
        case JOB_DESC_FIELD_U32V:
            XFREE(*(void **)p);
            break;
        case JOB_DESC_FIELD_STRV:
        case JOB_DESC_FIELD_ENVV:
            strv_free(*(char ***)p);
            *(char ***)p = NULL;
            *(size_t *)member(obj, f->count_offset) = 0;
            break;
        default:
            break;
        }
    }
}

void job_desc_field_dup(const struct job_desc_field *fields, size_t nfields,
                        void *obj)
{
    for (size_t i = 0; i < nfields; i++) {
        const struct job_desc_field *f = &fields[i];
        void *p = member(obj, f->offset);
        size_t n;

        switch (f->type) {
        case JOB_DESC_FIELD_STR:
            if (*(char **)p)
                *(char **)p = xstrdup(*(char **)p);
            break;
        case JOB_DESC_FIELD_STRV:
        case JOB_DESC_FIELD_ENVV: {
            char **src = *(char ***)p;
            char **dst = NULL;

            n = *(size_t *)member(obj, f->count_offset);
            if (src) {
                dst = xcalloc(n + 1, sizeof(*dst));
                for (size_t j = 0; j < n; j++)
                    dst[j] = xstrdup(src[j]);
            }
            *(char ***)p = dst;
            break;
        }
        case JOB_DESC_FIELD_U32V: {
            uint32_t *src = *(uint32_t **)p;
            uint32_t *dst = NULL;

            n = *(size_t *)member(obj, f->count_offset);
            if (src) {
                dst = xcalloc(n ? n : 1, sizeof(*dst));
                if (n)
                    memcpy(dst, src, n * sizeof(*dst));
            }
            *(uint32_t **)p = dst;
            break;
        }
        default:
            break;
        }
    }
}

/* Take a new reference 'v' and add it under 'key'; NULL v means the value
 * could not be built (invalid UTF-8). */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new(o, key, v) < 0) {
        errno = EILSEQ;
        return -1;
    }
    return 0;
}

static int encode_one(const struct job_desc_field *f, const void *obj,
                      json_t *o)
{
    const void *p = member(obj, f->offset);
    int64_t iv;

    switch (f->type) {
    case JOB_DESC_FIELD_STR:
        if (!*(char *const *)p)
            return 0;
        return put(o, f->key, json_string(*(char *const *)p));
    case JOB_DESC_FIELD_U32:
        iv = *(const uint32_t *)p;
        break;
    case JOB_DESC_FIELD_U64:
        iv = (int64_t) * (const uint64_t *)p;
        break;
    case JOB_DESC_FIELD_I64:
        iv = *(const int64_t *)p;
        break;
    case JOB_DESC_FIELD_BOOL:
        if (!f->is_required && !*(const bool *)p)
            return 0;
        return put(o, f->key, json_boolean(*(const bool *)p));
    case JOB_DESC_FIELD_ENUM:
        iv = *(const int *)p;
        if (!f->is_required && iv == f->unset)
            return 0;
        if (iv < 0 || (size_t)iv >= names_count(f->names)) {
            errno = EINVAL;
            return -1;
        }
        return put(o, f->key, json_string(f->names[iv]));
    case JOB_DESC_FIELD_STRV:
    case JOB_DESC_FIELD_ENVV: {
        char *const *v = *(char **const *)p;
        size_t n = *(const size_t *)member(obj, f->count_offset);
        json_t *a = NULL;

        if (!f->is_required && n == 0)
            return 0;
        a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_string(v[i]);
            if (!s || json_array_append_new(a, s) < 0) {
                json_decref(a);
                errno = EILSEQ;
                return -1;
            }
        }
        return put(o, f->key, a);
    }
    case JOB_DESC_FIELD_U32V: {
        const uint32_t *v = *(uint32_t *const *)p;
        size_t n = *(const size_t *)member(obj, f->count_offset);
        json_t *a = NULL;

        if (!f->is_required && n == 0)
            return 0;
        a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_integer(v[i]));
        return put(o, f->key, a);
    }
    default:
        errno = EINVAL;
        return -1;
    }
    if (!f->is_required && iv == f->unset)
        return 0;
    return put(o, f->key, json_integer(iv));
}

int job_desc_field_encode(const struct job_desc_field *fields, size_t nfields,
                          const void *obj, json_t *o)
{
    for (size_t i = 0; i < nfields; i++) {
        if (encode_one(&fields[i], obj, o) < 0)
            return -1;
    }
    return 0;
}

static int bad(const char *op, const struct job_desc_field *f,
               struct tess_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fill err with "OP: field 'KEY': <fmt>" and set errno EPROTO. */
static int bad(const char *op, const struct job_desc_field *f,
               struct tess_error *err, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    errno = EPROTO;
    return tess_errprintf(err, "%s: field '%s': %s", op, f->key, why);
}

/* A string value of at most 'max' bytes without embedded NULs. */
static const char *string_value(const json_t *v, int64_t min, int64_t max)
{
    const char *s;
    size_t len;

    if (!json_is_string(v))
        return NULL;
    s = json_string_value(v);
    len = json_string_length(v);
    if (strlen(s) != len || (int64_t)len < min || (int64_t)len > max)
        return NULL;
    return s;
}

static int bad_string(const char *op, const struct job_desc_field *f,
                      struct tess_error *err)
{
    if (f->min > 0)
        return bad(op, f, err,
                   "expected string of %" PRId64 "..%" PRId64 " bytes", f->min,
                   f->max);
    return bad(op, f, err, "expected string of at most %" PRId64 " bytes",
               f->max);
}

static int bad_enum(const char *op, const struct job_desc_field *f,
                    struct tess_error *err)
{
    char list[192] = "";
    size_t used = 0;

    for (size_t i = 0; f->names[i]; i++) {
        int n = snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
                         i ? ", " : "", f->names[i]);
        if (n < 0 || (size_t)n >= sizeof(list) - used)
            break;
        used += (size_t)n;
    }
    return bad(op, f, err, "expected one of %s", list);
}

static int decode_strv(const char *op, const struct job_desc_field *f,
                       const json_t *v, void *obj, struct tess_error *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    char **out = NULL;

    if (!json_is_array(v) || (int64_t)n > f->max)
        return bad(op, f, err, "expected array of at most %" PRId64 " strings",
                   f->max);
    for (size_t i = 0; i < n; i++) {
        const char *s = string_value(json_array_get(v, i), 0, f->item_max);
        if (!s)
            return bad(op, f, err,
                       "entry %zu: expected string of at most %" PRId64
                       " bytes",
                       i, f->item_max);
        if (f->type == JOB_DESC_FIELD_ENVV) {
            const char *eq = strchr(s, '=');
            if (!eq || eq == s)
                return bad(op, f, err, "entry %zu: expected \"NAME=VALUE\"", i);
        }
    }
    out = xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(json_string_value(json_array_get(v, i)));
    strv_free(*(char ***)member(obj, f->offset));
    *(char ***)member(obj, f->offset) = out;
    *(size_t *)member(obj, f->count_offset) = n;
    return 0;
}

static int decode_u32v(const char *op, const struct job_desc_field *f,
                       const json_t *v, void *obj, struct tess_error *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    uint32_t *out = NULL;

    if (!json_is_array(v) || (int64_t)n > f->max)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) < 0 ||
            json_integer_value(e) > f->item_max)
            goto fail;
    }
    out = xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)json_integer_value(json_array_get(v, i));
    free(*(uint32_t **)member(obj, f->offset));
    *(uint32_t **)member(obj, f->offset) = out;
    *(size_t *)member(obj, f->count_offset) = n;
    return 0;
fail:
    return bad(op, f, err,
               "expected array of at most %" PRId64 " integers 0..%" PRId64,
               f->max, f->item_max);
}

static int decode_one(const char *op, const struct job_desc_field *f,
                      const json_t *v, void *obj, struct tess_error *err)
{
    void *p = member(obj, f->offset);
    const char *s;
    json_int_t iv;

    switch (f->type) {
    case JOB_DESC_FIELD_STR:
        if (!(s = string_value(v, f->min, f->max)))
            return bad_string(op, f, err);
        free(*(char **)p);
        *(char **)p = xstrdup(s);
        return 0;
    case JOB_DESC_FIELD_BOOL:
        if (!json_is_boolean(v))
            return bad(op, f, err, "expected boolean");
        *(bool *)p = json_is_true(v);
        return 0;
    case JOB_DESC_FIELD_ENUM:
        if (json_is_string(v)) {
            s = json_string_value(v);
            for (size_t i = 0; f->names[i]; i++) {
                if (!strcmp(s, f->names[i])) {
                    *(int *)p = (int)i;
                    return 0;
                }
            }
        }
        return bad_enum(op, f, err);
    case JOB_DESC_FIELD_STRV:
    case JOB_DESC_FIELD_ENVV:
        return decode_strv(op, f, v, obj, err);
    case JOB_DESC_FIELD_U32V:
        return decode_u32v(op, f, v, obj, err);
    case JOB_DESC_FIELD_U32:
    case JOB_DESC_FIELD_U64:
    case JOB_DESC_FIELD_I64:
        break;
    default:
        return bad(op, f, err, "unsupported field type");
    }
    if (!json_is_integer(v) || (iv = json_integer_value(v)) < f->min ||
        iv > f->max)
        return bad(op, f, err, "expected integer %" PRId64 "..%" PRId64, f->min,
                   f->max);
    if (f->type == JOB_DESC_FIELD_U32)
        *(uint32_t *)p = (uint32_t)iv;
    else if (f->type == JOB_DESC_FIELD_U64)
        *(uint64_t *)p = (uint64_t)iv;
    else
        *(int64_t *)p = (int64_t)iv;
    return 0;
}

int job_desc_field_decode(const struct job_desc_field *fields, size_t nfields,
                          const char *op, const json_t *o, void *obj,
                          struct tess_error *err)
{
    if (!json_is_object(o)) {
        errno = EPROTO;
        return tess_errprintf(err, "%s: expected a JSON object", op);
    }
    for (size_t i = 0; i < nfields; i++) {
        const json_t *v = json_object_get(o, fields[i].key);

        if (!v) {
            if (fields[i].is_required) {
                errno = EPROTO;
                return tess_errprintf(err, "%s: missing required field '%s'",
                                      op, fields[i].key);
            }
            continue;
        }
        if (decode_one(op, &fields[i], v, obj, err) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- job_desc */

struct job_desc *job_desc_create(void)
{
    struct job_desc *jd = xcalloc(1, sizeof(*jd));

    jd->time_limit_min = JOB_TIME_UNSET;
    return jd;
}

void job_desc_destroy(struct job_desc *jd)
{
    int saved_errno = errno;

    if (jd) {
        job_desc_field_free(desc_fields, NFIELDS, jd);
        free(jd);
    }
    errno = saved_errno;
}

struct job_desc *job_desc_copy(const struct job_desc *jd)
{
    struct job_desc *c = xmalloc(sizeof(*c));

    *c = *jd;
    job_desc_field_dup(desc_fields, NFIELDS, c);
    return c;
}

static void strv_append(char ***v, size_t *n, const char *s)
{
    *v = xreallocarray(*v, *n + 2, sizeof(**v));
    (*v)[(*n)++] = xstrdup(s);
    (*v)[*n] = NULL;
}

void job_desc_add_env(struct job_desc *jd, const char *kv)
{
    strv_append(&jd->env, &jd->envc, kv);
}

void job_desc_add_arg(struct job_desc *jd, const char *arg)
{
    strv_append(&jd->argv, &jd->argc, arg);
}

uint32_t job_desc_nodes(const struct job_desc *jd)
{
    return jd->min_nodes ? jd->min_nodes : 1;
}

uint32_t job_desc_ntasks(const struct job_desc *jd)
{
    uint64_t n;

    if (jd->ntasks)
        return jd->ntasks;
    /* Slurm's default: one task per node, or --ntasks-per-node each. */
    n = (uint64_t)job_desc_nodes(jd) *
        (jd->ntasks_per_node ? jd->ntasks_per_node : 1);
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t job_desc_cpus_per_task(const struct job_desc *jd)
{
    return jd->cpus_per_task ? jd->cpus_per_task : 1;
}

json_t *job_desc_to_json(const struct job_desc *jd)
{
    json_t *o = json_object();

    if (job_desc_field_encode(desc_fields, NFIELDS, jd, o) < 0) {
        int saved_errno = errno;
        json_decref(o);
        errno = saved_errno;
        return NULL;
    }
    return o;
}

/* Rules that span fields; the option parser enforces the same ones. */
static int check_desc(const struct job_desc *jd, struct tess_error *err)
{
    int mem_kinds = (jd->mem_per_node_mib || jd->is_mem_whole_node) +
                    (jd->mem_per_cpu_mib != 0) + (jd->mem_per_gpu_mib != 0);
    int gpu_kinds =
        (jd->gpus != 0) + (jd->gpus_per_node != 0) + (jd->gpus_per_task != 0);

    if (jd->max_nodes && jd->max_nodes < job_desc_nodes(jd))
        return tess_errprintf(err, "job.submit: field 'max_nodes': less than "
                                   "min_nodes");
    if (jd->mem_per_node_mib && jd->is_mem_whole_node)
        return tess_errprintf(err,
                              "job.submit: fields 'mem_per_node_mib' and "
                              "'is_mem_whole_node' are mutually exclusive");
    if (mem_kinds > 1)
        return tess_errprintf(err,
                              "job.submit: at most one of 'mem_per_node_mib', "
                              "'mem_per_cpu_mib' and 'mem_per_gpu_mib' may be "
                              "set");
    if (gpu_kinds > 1)
        return tess_errprintf(err, "job.submit: at most one of 'gpus', "
                                   "'gpus_per_node' and 'gpus_per_task' may be "
                                   "set");
    if (jd->gpu_type && gpu_kinds == 0)
        return tess_errprintf(err,
                              "job.submit: field 'gpu_type': needs 'gpus', "
                              "'gpus_per_node' or 'gpus_per_task'");
    return 0;
}

struct job_desc *job_desc_from_json(const json_t *o, struct tess_error *err)
{
    struct job_desc *jd = job_desc_create();

    if (job_desc_field_decode(desc_fields, NFIELDS, "job.submit", o, jd, err) <
            0 ||
        check_desc(jd, err) < 0) {
        job_desc_destroy(jd);
        errno = EPROTO;
        return NULL;
    }
    return jd;
}
