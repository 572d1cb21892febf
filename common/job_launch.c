/* SPDX-License-Identifier: Apache-2.0 */
/* The job.launch message (struct job_launch) and its codec. The fields are
 * one const table run by the field engine in job_desc.c, so encoding,
 * decoding, copying and freeing can't drift apart; the decoder then checks
 * the one rule that spans fields (node_index < nnodes). */
#include "config.h"

#include "common/job_launch.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/xalloc.h"

/* A compressed hostlist of 10,000 irregular names can pass 100 KB. */
#define LAUNCH_NODELIST_MAX  (1024 * 1024)
/* GPUs on one node, and the largest index one may have. */
#define LAUNCH_GPUS_MAX      1024
#define LAUNCH_GPU_INDEX_MAX 65535

static const char *const open_mode_names[] = {
    [JOB_OPEN_TRUNCATE] = "truncate",
    [JOB_OPEN_APPEND] = "append",
    NULL,
};

#define OFF(m) offsetof(struct job_launch, m)
#define STR(m, req_, min_, max_)                                 \
    {                                                            \
        .key = #m, .type = JOB_DESC_FIELD_STR, .offset = OFF(m), \
        .is_required = (req_), .min = (min_), .max = (max_)      \
    }
#define U32(m, req_, min_, max_, unset_)                                       \
    {                                                                          \
        .key = #m, .type = JOB_DESC_FIELD_U32, .offset = OFF(m),               \
        .is_required = (req_), .min = (min_), .max = (max_), .unset = (unset_) \
    }

static const struct job_desc_field launch_fields[] = {
    U32(job_id, true, 1, UINT32_MAX, 0),
    STR(job_name, false, 0, JOB_STR_MAX),
    STR(cluster_name, false, 0, JOB_STR_MAX),
    STR(partition, false, 0, JOB_STR_MAX),
    STR(account, false, 0, JOB_STR_MAX),
    U32(uid, true, 0, UINT32_MAX - 1, 0),
    U32(gid, true, 0, UINT32_MAX - 1, 0),
    STR(user_name, true, 1, JOB_STR_MAX),
    STR(work_dir, true, 1, JOB_STR_MAX),
    STR(script, true, 1, JOB_SCRIPT_MAX),
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
    STR(std_out, false, 0, JOB_STR_MAX),
    STR(std_err, false, 0, JOB_STR_MAX),
    STR(std_in, false, 0, JOB_STR_MAX),
    { .key = "open_mode",
      .type = JOB_DESC_FIELD_ENUM,
      .offset = OFF(open_mode),
      .unset = JOB_OPEN_TRUNCATE,
      .names = open_mode_names },
    U32(time_limit_min, false, 1, JOB_TIME_INFINITE, JOB_TIME_INFINITE),
    STR(nodelist, true, 1, LAUNCH_NODELIST_MAX),
    U32(nnodes, true, 1, JOB_COUNT_MAX, 0),
    U32(node_index, true, 0, JOB_COUNT_MAX - 1, 0),
    U32(ntasks, false, 1, UINT32_MAX, 0),
    U32(cpus_per_task, false, 1, JOB_COUNT_MAX, 0),
    U32(cpus, false, 1, JOB_COUNT_MAX, 0),
    { .key = "mem_mib",
      .type = JOB_DESC_FIELD_U64,
      .offset = OFF(mem_mib),
      .min = 1,
      .max = (int64_t)JOB_MEM_MAX_MIB },
    { .key = "gpu_indices",
      .type = JOB_DESC_FIELD_U32V,
      .offset = OFF(gpu_indices),
      .count_offset = OFF(ngpus),
      .max = LAUNCH_GPUS_MAX,
      .item_max = LAUNCH_GPU_INDEX_MAX },
    STR(gpu_type, false, 0, JOB_GPU_TYPE_MAX),
    { .key = "submit_time",
      .type = JOB_DESC_FIELD_I64,
      .offset = OFF(submit_time),
      .min = 1,
      .max = JOB_BEGIN_MAX },
};

#define NFIELDS (sizeof(launch_fields) / sizeof(launch_fields[0]))

struct job_launch *job_launch_create(void)
{
    struct job_launch *l = xcalloc(1, sizeof(*l));

    l->time_limit_min = JOB_TIME_INFINITE;
    return l;
}

void job_launch_destroy(struct job_launch *l)
{
    int saved_errno = errno;

    if (l) {
        job_desc_field_free(launch_fields, NFIELDS, l);
        free(l);
    }
    errno = saved_errno;
}

struct job_launch *job_launch_copy(const struct job_launch *l)
{
    struct job_launch *c = xmalloc(sizeof(*c));

    *c = *l;
    job_desc_field_dup(launch_fields, NFIELDS, c);
    return c;
}

json_t *job_launch_to_json(const struct job_launch *l)
{
    json_t *o = json_object();

    if (job_desc_field_encode(launch_fields, NFIELDS, l, o) < 0) {
        int saved_errno = errno;
        json_decref(o);
        errno = saved_errno;
        return NULL;
    }
    return o;
}

struct job_launch *job_launch_from_json(const json_t *o, struct tess_error *err)
{
    struct job_launch *l = job_launch_create();

    if (job_desc_field_decode(launch_fields, NFIELDS, "job.launch", o, l, err) <
        0)
        goto fail;
    if (l->node_index >= l->nnodes) {
        errno = EPROTO;
        tess_errprintf(err,
                       "job.launch: field 'node_index': expected integer "
                       "0..%u (nnodes - 1)",
                       l->nnodes - 1);
        goto fail;
    }
    return l;
fail:
    job_launch_destroy(l);
    errno = EPROTO;
    return NULL;
}
