/* SPDX-License-Identifier: Apache-2.0 */
/* Nodes and partitions. Resource accounting is incremental: claiming and
 * releasing a job touches only that job's nodes. */
#include "config.h"

#include "ctld/node_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/xalloc.h"
#include "ctld/job_table.h"

struct node_table {
    struct node *nodes;
    size_t nnodes;
    struct node **buckets;
    size_t nbuckets;
    struct partition *parts;
    size_t nparts;
    struct partition *default_part;
};

static size_t name_hash(const char *s, size_t nbuckets)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (size_t)(h & (nbuckets - 1));
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct node_table *node_table_create(const struct conf *conf)
{
    struct node_table *t = xcalloc(1, sizeof(*t));

    t->nnodes = conf->nnodes;
    t->nodes = xcalloc(t->nnodes + 1, sizeof(*t->nodes));
    t->nbuckets = 16;
    while (t->nbuckets < t->nnodes * 2)
        t->nbuckets *= 2;
    t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
    for (size_t i = 0; i < conf->nnodes; i++) {
        const struct conf_node *cn = &conf->nodes[i];
        struct node *n = &t->nodes[i];
        size_t b;
        uint32_t ngpus = 0;

        n->name = xstrdup(cn->name);
        n->addr = dup_or_null(cn->addr);
        n->features = dup_or_null(cn->features);
        n->provider = dup_or_null(cn->provider);
        n->region = dup_or_null(cn->region);
        n->network_tier = dup_or_null(cn->network_tier);
        n->cpus = cn->cpus;
        n->mem_mib = cn->real_memory_mib;
        for (size_t g = 0; g < cn->ngpus; g++)
            ngpus += cn->gpus[g].count;
        n->gpus = xcalloc(ngpus + 1, sizeof(*n->gpus));
        for (size_t g = 0; g < cn->ngpus; g++)
            for (uint32_t k = 0; k < cn->gpus[g].count; k++) {
                n->gpus[n->ngpus].type = xstrdup(cn->gpus[g].type);
                n->gpus[n->ngpus].index = n->ngpus;
                n->ngpus++;
            }
        n->reason = xstrdup("not registered yet");
        b = name_hash(n->name, t->nbuckets);
        n->hash_next = t->buckets[b];
        t->buckets[b] = n;
    }
    t->nparts = conf->npartitions;
    t->parts = xcalloc(t->nparts + 1, sizeof(*t->parts));
    for (size_t i = 0; i < conf->npartitions; i++) {
        const struct conf_partition *cp = &conf->partitions[i];
        struct partition *p = &t->parts[i];

        p->name = xstrdup(cp->name);
        p->nodes = xcalloc(cp->nnodes + 1, sizeof(*p->nodes));
        for (size_t k = 0; k < cp->nnodes; k++) {
            struct node *n = node_table_find(t, cp->nodes[k]);
            if (n) /* the config parser guarantees it exists */
                p->nodes[p->nnodes++] = n;
        }
        p->is_default = cp == conf->default_partition;
        p->max_time_min = cp->max_time_min;
        p->default_time_min = cp->default_time_min;
        p->max_nodes = cp->max_nodes;
        p->state = cp->state;
        if (p->is_default)
            t->default_part = p;
    }
    return t;
}

void node_table_destroy(struct node_table *t)
{
    int saved_errno = errno;
    if (!t)
        return;
    for (size_t i = 0; i < t->nnodes; i++) {
        struct node *n = &t->nodes[i];
        free(n->name);
        free(n->addr);
        free(n->features);
        free(n->provider);
        free(n->region);
        free(n->network_tier);
        free(n->reason);
        for (uint32_t g = 0; g < n->ngpus; g++)
            free(n->gpus[g].type);
        free(n->gpus);
        free(n->batch_jobs);
    }
    for (size_t i = 0; i < t->nparts; i++) {
        free(t->parts[i].name);
        free(t->parts[i].nodes);
    }
    free(t->parts);
    free(t->nodes);
    free(t->buckets);
    free(t);
    errno = saved_errno;
}

struct node *node_table_find(const struct node_table *t, const char *name)
{
    struct node *n = t->buckets[name_hash(name, t->nbuckets)];
    while (n && strcmp(n->name, name) != 0)
        n = n->hash_next;
    return n;
}

size_t node_table_count(const struct node_table *t)
{
    return t->nnodes;
}

struct node *node_table_at(const struct node_table *t, size_t i)
{
    return i < t->nnodes ? &t->nodes[i] : NULL;
}

struct partition *node_table_partition(const struct node_table *t,
                                       const char *name)
{
    for (size_t i = 0; i < t->nparts; i++)
        if (!strcmp(t->parts[i].name, name))
            return &t->parts[i];
    return NULL;
}

struct partition *node_table_default_partition(const struct node_table *t)
{
    return t->default_part;
}

size_t node_table_partition_count(const struct node_table *t)
{
    return t->nparts;
}

struct partition *node_table_partition_at(const struct node_table *t,
                                          size_t i)
{
    return i < t->nparts ? &t->parts[i] : NULL;
}

enum node_state node_state(const struct node *n)
{
    if (!n->is_registered)
        return n->last_seen ? NODE_DOWN : NODE_UNKNOWN;
    if (n->njobs == 0)
        return NODE_IDLE;
    if (n->cpus_alloc >= n->cpus || (n->ngpus && n->ngpus_alloc >= n->ngpus))
        return NODE_ALLOCATED;
    return NODE_MIXED;
}

const char *node_state_name(enum node_state s)
{
    switch (s) {
    case NODE_IDLE:
        return "IDLE";
    case NODE_MIXED:
        return "MIXED";
    case NODE_ALLOCATED:
        return "ALLOCATED";
    case NODE_DOWN:
        return "DOWN";
    default:
        return "UNKNOWN";
    }
}

bool node_is_usable(const struct node *n)
{
    return n->is_registered && !n->is_drained;
}

/* The first node of an allocation runs the batch script; registration
 * reconciles against this list instead of walking every job. */
static void batch_add(struct node *n, uint32_t id)
{
    if (n->nbatch == n->batch_cap) {
        n->batch_cap = n->batch_cap ? n->batch_cap * 2 : 8;
        n->batch_jobs = xreallocarray(n->batch_jobs, n->batch_cap,
                                      sizeof(uint32_t));
    }
    n->batch_jobs[n->nbatch++] = id;
}

static void batch_remove(struct node *n, uint32_t id)
{
    for (uint32_t i = 0; i < n->nbatch; i++) {
        if (n->batch_jobs[i] == id) {
            n->batch_jobs[i] = n->batch_jobs[--n->nbatch];
            return;
        }
    }
}

void node_table_claim(struct node_table *t, const struct job *job)
{
    for (uint32_t i = 0; i < job->nalloc; i++) {
        const struct job_alloc *al = &job->alloc[i];
        struct node *n = node_table_find(t, al->node);
        if (!n)
            continue;
        n->cpus_alloc += al->cpus;
        n->mem_alloc_mib += al->mem_mib;
        for (uint32_t g = 0; g < al->ngpus; g++) {
            if (al->gpu_indices[g] < n->ngpus &&
                !n->gpus[al->gpu_indices[g]].job_id) {
                n->gpus[al->gpu_indices[g]].job_id = job->id;
                n->ngpus_alloc++;
            }
        }
        n->njobs++;
        if (i == 0)
            batch_add(n, job->id);
    }
}

void node_table_release(struct node_table *t, const struct job *job)
{
    for (uint32_t i = 0; i < job->nalloc; i++) {
        const struct job_alloc *al = &job->alloc[i];
        struct node *n = node_table_find(t, al->node);
        if (!n)
            continue;
        n->cpus_alloc -= al->cpus < n->cpus_alloc ? al->cpus : n->cpus_alloc;
        n->mem_alloc_mib -= al->mem_mib < n->mem_alloc_mib ? al->mem_mib
                                                           : n->mem_alloc_mib;
        for (uint32_t g = 0; g < al->ngpus; g++) {
            if (al->gpu_indices[g] < n->ngpus &&
                n->gpus[al->gpu_indices[g]].job_id == job->id) {
                n->gpus[al->gpu_indices[g]].job_id = 0;
                n->ngpus_alloc--;
            }
        }
        if (n->njobs)
            n->njobs--;
        if (i == 0)
            batch_remove(n, job->id);
    }
}

json_t *node_to_json(const struct node *n)
{
    json_t *gpus = json_object();
    json_t *o;

    /* {"rtx4090": {"total": 4, "alloc": 1}} */
    for (uint32_t g = 0; g < n->ngpus; g++) {
        json_t *e = json_object_get(gpus, n->gpus[g].type);
        if (!e) {
            e = json_pack("{s:i, s:i}", "total", 0, "alloc", 0);
            json_object_set_new(gpus, n->gpus[g].type, e);
        }
        json_object_set_new(e, "total",
                            json_integer(json_integer_value(
                                             json_object_get(e, "total")) +
                                         1));
        if (n->gpus[g].job_id)
            json_object_set_new(
                e, "alloc",
                json_integer(json_integer_value(json_object_get(e, "alloc")) +
                             1));
    }
    o = json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:o, s:i, s:i}", "name",
                  n->name, "state", node_state_name(node_state(n)), "cpus",
                  (int)n->cpus, "cpus_alloc", (int)n->cpus_alloc, "mem_mib",
                  (json_int_t)n->mem_mib, "mem_alloc_mib",
                  (json_int_t)n->mem_alloc_mib, "gpus", gpus, "jobs",
                  (int)n->njobs, "port", (int)n->port);
    if (n->reason && !n->is_registered)
        json_object_set_new(o, "reason", json_string(n->reason));
    if (n->features)
        json_object_set_new(o, "features", json_string(n->features));
    if (n->provider)
        json_object_set_new(o, "provider", json_string(n->provider));
    if (n->region)
        json_object_set_new(o, "region", json_string(n->region));
    if (n->network_tier)
        json_object_set_new(o, "network_tier", json_string(n->network_tier));
    return o;
}

json_t *partition_to_json(const struct partition *p)
{
    static const char *const states[] = { "UP", "DOWN", "DRAIN", "INACTIVE" };
    json_t *nodes = json_array();
    for (size_t i = 0; i < p->nnodes; i++)
        json_array_append_new(nodes, json_string(p->nodes[i]->name));
    return json_pack("{s:s, s:b, s:i, s:i, s:i, s:s, s:o}", "name", p->name,
                     "default", p->is_default, "max_time_min",
                     (int)p->max_time_min, "default_time_min",
                     (int)p->default_time_min, "max_nodes", (int)p->max_nodes,
                     "state",
                     (unsigned)p->state < 4 ? states[p->state] : "UP", "nodes",
                     nodes);
}
