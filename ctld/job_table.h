/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's jobs: a hash table by id (O(1) lookup at 100,000 jobs)
 * plus an intrusive FIFO of pending jobs in submission order. A job's JSON
 * form is both its durable record and what `tess show job --json` prints. */
#ifndef TESS_CTLD_JOB_TABLE_H
#define TESS_CTLD_JOB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/conn.h"
#include "common/job_state.h"

struct job_desc;
struct tess_error;

/* One node's share of a running job's allocation. */
struct job_alloc {
    char *node;            /* node name */
    uint32_t cpus;
    uint64_t mem_mib;
    uint32_t *gpu_indices; /* node-local GPU indices */
    uint32_t ngpus;
};

/* A client waiting in job.wait for the job to end. */
struct job_waiter {
    LIST_ENTRY(job_waiter) link;
    struct conn_pending reply;
};

struct job {
    uint32_t id;
    enum job_state state;
    char *reason;             /* why pending, or how it ended */
    struct job_desc *desc;    /* the request as understood */
    uid_t uid;                /* from the submitter's credential */
    gid_t gid;
    char *user;
    char *partition;          /* effective partition */
    uint32_t time_limit_min;  /* effective limit */
    int64_t submit_time;
    int64_t start_time;
    int64_t end_time;
    int exit_code;
    int term_signal;
    char *gpu_type;           /* type allocated, NULL when no GPUs */
    struct job_alloc *alloc;  /* running: one entry per node */
    uint32_t nalloc;
    char *nodelist;           /* compressed names of alloc */
    bool is_cancel_requested;

    struct job *hash_next;
    TAILQ_ENTRY(job) pending_link; /* while PENDING */
    bool is_queued;
    LIST_HEAD(, job_waiter) waiters;
};

TAILQ_HEAD(job_queue, job);

struct job_table;

struct job_table *job_table_create(void);
/* Frees every job. Waiters are dropped. */
void job_table_destroy(struct job_table *t);

/* Takes ownership of job; its id must be unused. */
void job_table_insert(struct job_table *t, struct job *job);
struct job *job_table_find(const struct job_table *t, uint32_t id);
size_t job_table_count(const struct job_table *t);
/* Call fn for each job in unspecified order. */
void job_table_foreach(const struct job_table *t,
                       void (*fn)(struct job *job, void *arg), void *arg);

/* The pending FIFO (submission order). */
struct job_queue *job_table_pending(struct job_table *t);
void job_table_enqueue(struct job_table *t, struct job *job);
void job_table_dequeue(struct job_table *t, struct job *job);
size_t job_table_pending_count(const struct job_table *t);

struct job *job_create(uint32_t id);
void job_destroy(struct job *job);
void job_set_reason(struct job *job, const char *reason);
void job_free_alloc(struct job *job);

/* Durable record and `tess show job` form. with_script: include the
 * script and environment (owner and admins only). */
json_t *job_to_json(const struct job *job, bool with_script);
/* Rebuild a job from its record; NULL with errno EPROTO and err. */
struct job *job_from_json(const json_t *o, struct tess_error *err);

#endif
