/* SPDX-License-Identifier: Apache-2.0 */
/* Job storage in memory: chained hash by id, growing by doubling, and the
 * pending FIFO. Also the job's JSON record (durable and for display). */
#include "config.h"

#include "ctld/job_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/wire.h"
#include "common/xalloc.h"

struct job_table {
    struct job **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    struct job_queue pending;
    size_t npending;
};

struct job_table *job_table_create(void)
{
    struct job_table *t = xcalloc(1, sizeof(*t));
    t->nbuckets = 1024;
    t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
    TAILQ_INIT(&t->pending);
    return t;
}

void job_table_destroy(struct job_table *t)
{
    int saved_errno = errno;
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct job *j = t->buckets[i];
        while (j) {
            struct job *next = j->hash_next;
            job_destroy(j);
            j = next;
        }
    }
    free(t->buckets);
    free(t);
    errno = saved_errno;
}

static size_t bucket_of(const struct job_table *t, uint32_t id)
{
    /* Ids are sequential; multiplicative hashing spreads them anyway. */
    return (size_t)((id * 2654435761u) & (t->nbuckets - 1));
}

static void grow(struct job_table *t)
{
    size_t old_n = t->nbuckets;
    struct job **old = t->buckets;

    t->nbuckets *= 2;
    t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
    for (size_t i = 0; i < old_n; i++) {
        struct job *j = old[i];
        while (j) {
            struct job *next = j->hash_next;
            size_t b = bucket_of(t, j->id);
            j->hash_next = t->buckets[b];
            t->buckets[b] = j;
            j = next;
        }
    }
    free(old);
}

void job_table_insert(struct job_table *t, struct job *job)
{
    size_t b;
    if (t->count + 1 > t->nbuckets)
        grow(t);
    b = bucket_of(t, job->id);
    job->hash_next = t->buckets[b];
    t->buckets[b] = job;
    t->count++;
}

struct job *job_table_find(const struct job_table *t, uint32_t id)
{
    struct job *j = t->buckets[bucket_of(t, id)];
    while (j && j->id != id)
        j = j->hash_next;
    return j;
}

size_t job_table_count(const struct job_table *t)
{
    return t->count;
}

void job_table_foreach(const struct job_table *t,
                       void (*fn)(struct job *job, void *arg), void *arg)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct job *j = t->buckets[i];
        while (j) {
            struct job *next = j->hash_next;
            fn(j, arg);
            j = next;
        }
    }
}

struct job_queue *job_table_pending(struct job_table *t)
{
    return &t->pending;
}

void job_table_enqueue(struct job_table *t, struct job *job)
{
    if (job->is_queued)
        return;
    TAILQ_INSERT_TAIL(&t->pending, job, pending_link);
    job->is_queued = true;
    t->npending++;
}

void job_table_dequeue(struct job_table *t, struct job *job)
{
    if (!job->is_queued)
        return;
    TAILQ_REMOVE(&t->pending, job, pending_link);
    job->is_queued = false;
    t->npending--;
}

size_t job_table_pending_count(const struct job_table *t)
{
    return t->npending;
}

struct job *job_create(uint32_t id)
{
    struct job *job = xcalloc(1, sizeof(*job));
    job->id = id;
    LIST_INIT(&job->waiters);
    return job;
}

void job_free_alloc(struct job *job)
{
    for (uint32_t i = 0; i < job->nalloc; i++) {
        free(job->alloc[i].node);
        free(job->alloc[i].gpu_indices);
    }
    XFREE(job->alloc);
    job->nalloc = 0;
    XFREE(job->nodelist);
    XFREE(job->gpu_type);
}

void job_destroy(struct job *job)
{
    struct job_waiter *w;
    int saved_errno = errno;

    if (!job)
        return;
    while ((w = LIST_FIRST(&job->waiters))) {
        LIST_REMOVE(w, link);
        conn_pending_drop(&w->reply);
        free(w);
    }
    job_free_alloc(job);
    job_desc_destroy(job->desc);
    free(job->reason);
    free(job->user);
    free(job->partition);
    free(job);
    errno = saved_errno;
}

void job_set_reason(struct job *job, const char *reason)
{
    free(job->reason);
    job->reason = reason ? xstrdup(reason) : NULL;
}

static json_t *alloc_to_json(const struct job *job)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < job->nalloc; i++) {
        const struct job_alloc *al = &job->alloc[i];
        json_t *gpus = json_array();
        for (uint32_t g = 0; g < al->ngpus; g++)
            json_array_append_new(gpus, json_integer(al->gpu_indices[g]));
        json_array_append_new(a, json_pack("{s:s, s:i, s:I, s:o}", "node",
                                           al->node, "cpus", (int)al->cpus,
                                           "mem_mib", (json_int_t)al->mem_mib,
                                           "gpus", gpus));
    }
    return a;
}

json_t *job_to_json(const struct job *job, bool with_script)
{
    json_t *desc = job_desc_to_json(job->desc);
    json_t *o;

    if (!with_script) {
        json_object_del(desc, "script");
        json_object_del(desc, "env");
    }
    o = json_pack("{s:i, s:s, s:i, s:i, s:s, s:s, s:i, s:I, s:I, s:I, s:i, "
                  "s:i, s:b, s:o}",
                  "job_id", (int)job->id, "state", job_state_name(job->state),
                  "uid", (int)job->uid, "gid", (int)job->gid, "user",
                  job->user ? job->user : "", "partition",
                  job->partition ? job->partition : "", "time_limit_min",
                  (int)job->time_limit_min, "submit_time",
                  (json_int_t)job->submit_time, "start_time",
                  (json_int_t)job->start_time, "end_time",
                  (json_int_t)job->end_time, "exit_code", job->exit_code,
                  "term_signal", job->term_signal, "cancel_requested",
                  job->is_cancel_requested, "request", desc);
    if (job->reason)
        json_object_set_new(o, "reason", json_string(job->reason));
    if (job->nalloc) {
        json_object_set_new(o, "nodelist", json_string(job->nodelist));
        json_object_set_new(o, "alloc", alloc_to_json(job));
    }
    if (job->gpu_type)
        json_object_set_new(o, "gpu_type", json_string(job->gpu_type));
    return o;
}

static int alloc_from_json(struct job *job, const json_t *a,
                           struct tess_error *err)
{
    size_t i;
    json_t *item;

    if (!json_is_array(a) || json_array_size(a) > 100000) {
        errno = EPROTO;
        return tess_errprintf(err, "job record: field 'alloc': bad array");
    }
    job->alloc = xcalloc(json_array_size(a) + 1, sizeof(*job->alloc));
    json_array_foreach(a, i, item)
    {
        struct job_alloc *al = &job->alloc[i];
        json_t *gpus = json_object_get(item, "gpus");
        size_t g;
        json_t *gi;

        job->nalloc = (uint32_t)i + 1;
        if (wire_get_str(item, "job record", "node", true, 256, &al->node,
                         err) < 0 ||
            wire_get_u32(item, "job record", "cpus", true, 0, UINT32_MAX,
                         &al->cpus, err) < 0 ||
            wire_get_u64(item, "job record", "mem_mib", true, 0, UINT64_MAX,
                         &al->mem_mib, err) < 0)
            return -1;
        if (!json_is_array(gpus) || json_array_size(gpus) > 4096) {
            errno = EPROTO;
            return tess_errprintf(err, "job record: field 'gpus': bad array");
        }
        al->gpu_indices = xcalloc(json_array_size(gpus) + 1, sizeof(uint32_t));
        json_array_foreach(gpus, g, gi)
        {
            if (!json_is_integer(gi) || json_integer_value(gi) < 0 ||
                json_integer_value(gi) > 4095) {
                errno = EPROTO;
                return tess_errprintf(err, "job record: bad gpu index");
            }
            al->gpu_indices[g] = (uint32_t)json_integer_value(gi);
            al->ngpus = (uint32_t)g + 1;
        }
    }
    return 0;
}

struct job *job_from_json(const json_t *o, struct tess_error *err)
{
    static const char *op = "job record";
    struct job *job = NULL;
    const char *state = NULL;
    json_t *alloc;
    uint32_t id = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    int64_t exit_code = 0;
    int64_t term_signal = 0;

    if (wire_get_u32(o, op, "job_id", true, 1, UINT32_MAX, &id, err) < 0)
        return NULL;
    job = job_create(id);
    if (wire_get_str_ref(o, op, "state", true, 32, &state, err) < 0 ||
        wire_get_u32(o, op, "uid", true, 0, UINT32_MAX, &uid, err) < 0 ||
        wire_get_u32(o, op, "gid", true, 0, UINT32_MAX, &gid, err) < 0 ||
        wire_get_str(o, op, "user", true, 256, &job->user, err) < 0 ||
        wire_get_str(o, op, "partition", true, 256, &job->partition, err) < 0 ||
        wire_get_u32(o, op, "time_limit_min", true, 0, UINT32_MAX,
                     &job->time_limit_min, err) < 0 ||
        wire_get_i64(o, op, "submit_time", true, 0, INT64_MAX,
                     &job->submit_time, err) < 0 ||
        wire_get_i64(o, op, "start_time", true, 0, INT64_MAX,
                     &job->start_time, err) < 0 ||
        wire_get_i64(o, op, "end_time", true, 0, INT64_MAX, &job->end_time,
                     err) < 0 ||
        wire_get_i64(o, op, "exit_code", false, 0, 255, &exit_code, err) <
            0 ||
        wire_get_i64(o, op, "term_signal", false, 0, 128, &term_signal,
                     err) < 0 ||
        wire_get_str(o, op, "reason", false, 4096, &job->reason, err) < 0 ||
        wire_get_str(o, op, "gpu_type", false, 256, &job->gpu_type, err) < 0 ||
        wire_get_str(o, op, "nodelist", false, 1 << 20, &job->nodelist,
                     err) < 0 ||
        wire_get_bool(o, op, "cancel_requested", false,
                      &job->is_cancel_requested, err) < 0)
        goto fail;
    if (job_state_parse(state, &job->state) < 0) {
        errno = EPROTO;
        tess_errprintf(err, "job record: unknown state '%s'", state);
        goto fail;
    }
    job->uid = uid;
    job->gid = gid;
    job->exit_code = (int)exit_code;
    job->term_signal = (int)term_signal;
    if (!(job->desc = job_desc_from_json(json_object_get(o, "request"), err)))
        goto fail;
    if ((alloc = json_object_get(o, "alloc")) &&
        alloc_from_json(job, alloc, err) < 0)
        goto fail;
    return job;
fail:
    tess_errprefix(err, "job %u", id);
    job_destroy(job);
    errno = EPROTO;
    return NULL;
}
