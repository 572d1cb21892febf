/* SPDX-License-Identifier: Apache-2.0 */
/* What the controller tells a node daemon to run: one batch job's share of
 * an allocation (op job.launch, controller -> tessd). Everything the node
 * needs is in here, resolved: the node never looks anything up in the
 * controller's state. Codec in job_launch.c (the field engine of
 * job_desc.c). */
#ifndef TESS_COMMON_JOB_LAUNCH_H
#define TESS_COMMON_JOB_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/job_desc.h"

struct tess_error;

struct job_launch {
    uint32_t job_id;
    char *job_name;
    char *cluster_name;
    char *partition;
    char *account;          /* may be NULL */
    uint32_t uid;           /* the submitting user, from their credential */
    uint32_t gid;
    char *user_name;        /* resolved by the controller */
    char *work_dir;
    char *script;
    char **argv;            /* script arguments, NULL-terminated */
    size_t argc;
    char **env;             /* submitted environment, "K=V", NULL-term */
    size_t envc;
    char *std_out;          /* patterns, unexpanded (%j %x %u %N %%) */
    char *std_err;          /* NULL: same as std_out */
    char *std_in;           /* NULL: /dev/null */
    enum job_open_mode open_mode;
    uint32_t time_limit_min; /* JOB_TIME_INFINITE for none */
    char *nodelist;         /* compressed hostlist of the whole allocation */
    uint32_t nnodes;
    uint32_t node_index;    /* this node's position in the allocation */
    uint32_t ntasks;        /* for the whole job */
    uint32_t cpus_per_task;
    uint32_t cpus;          /* CPUs on this node */
    uint64_t mem_mib;       /* memory on this node; 0 = no limit */
    uint32_t *gpu_indices;  /* this node's GPUs given to the job */
    size_t ngpus;
    char *gpu_type;         /* their type name, NULL when none */
    int64_t submit_time;
};

struct job_launch *job_launch_create(void);
void job_launch_destroy(struct job_launch *l);
/* A deep copy. */
struct job_launch *job_launch_copy(const struct job_launch *l);

/* A new reference, or NULL with errno EILSEQ if a string is not UTF-8. */
json_t *job_launch_to_json(const struct job_launch *l);
/* NULL with errno EPROTO and err naming the field on bad input. Required:
 * job_id, uid, gid, user_name, work_dir, script, nodelist, nnodes and
 * node_index (< nnodes); unknown keys are ignored. */
struct job_launch *job_launch_from_json(const json_t *o,
                                        struct tess_error *err);

#endif
