/* SPDX-License-Identifier: Apache-2.0 */
/* FIFO scheduling and placement. Placement computes what the job needs on
 * each node (CPUs, memory, GPUs of one type) and takes the first nodes of
 * its partition that have it free. The same computation against empty
 * nodes tells at submission whether a job can ever run. */
#include "config.h"

#include "ctld/sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/error.h"
#include "common/hostlist.h"
#include "common/job_desc.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/job_mgr.h"
#include "ctld/job_table.h"
#include "ctld/node_mgr.h"
#include "ctld/node_table.h"

struct sched {
    struct ctld *ctx;
    struct event *pass_ev;
    bool is_pending;
};

/* What a job needs on each of its nodes. */
struct need {
    uint32_t nnodes;
    uint32_t cpus;          /* per node */
    uint64_t mem_mib;       /* per node; 0: proportional to CPUs */
    uint32_t gpus_per_node; /* for nodes before the last */
    uint32_t gpus_total;
    const char *gpu_type;   /* NULL: any */
    bool exclusive;
    bool mem_whole_node;    /* --mem=0: all of each node's memory */
};

static uint32_t div_up(uint32_t a, uint32_t b)
{
    return b ? (a + b - 1) / b : a;
}

static void job_need(const struct job_desc *d, struct need *n)
{
    uint32_t ntasks = job_desc_ntasks(d);
    uint32_t tpn;

    memset(n, 0, sizeof(*n));
    n->nnodes = job_desc_nodes(d);
    tpn = d->ntasks_per_node ? d->ntasks_per_node : div_up(ntasks, n->nnodes);
    n->cpus = tpn * job_desc_cpus_per_task(d);
    if (d->gpus_per_node)
        n->gpus_total = d->gpus_per_node * n->nnodes;
    else if (d->gpus_per_task)
        n->gpus_total = d->gpus_per_task * tpn * n->nnodes;
    else
        n->gpus_total = d->gpus;
    n->gpus_per_node = div_up(n->gpus_total, n->nnodes);
    n->gpu_type = d->gpu_type;
    if (d->mem_per_node_mib)
        n->mem_mib = d->mem_per_node_mib;
    else if (d->mem_per_cpu_mib)
        n->mem_mib = d->mem_per_cpu_mib * n->cpus;
    else if (d->mem_per_gpu_mib)
        n->mem_mib = d->mem_per_gpu_mib * n->gpus_per_node;
    n->exclusive = d->exclusive;
    n->mem_whole_node = d->is_mem_whole_node;
}

/* Memory a job takes on node 'nd' when it asked for none: its share of
 * the node by CPUs, so jobs that say nothing still pack sensibly. */
static uint64_t mem_on(const struct need *n, const struct node *nd)
{
    if (n->mem_whole_node)
        return nd->mem_mib;
    if (n->mem_mib)
        return n->mem_mib;
    if (!nd->cpus)
        return 0;
    return nd->mem_mib * n->cpus / nd->cpus;
}

/* Count GPUs of 'type' on the node (free ones only unless 'all'); with
 * type NULL, report the first type that has at least 'want'. */
static uint32_t gpus_of(const struct node *nd, const char *type, bool all,
                        uint32_t want, const char **type_out)
{
    uint32_t best = 0;
    for (uint32_t g = 0; g < nd->ngpus; g++) {
        const char *t = nd->gpus[g].type;
        uint32_t c = 0;
        if (type && strcmp(type, t) != 0)
            continue;
        if (!type && g > 0 && !strcmp(nd->gpus[g - 1].type, t))
            continue; /* counted with the run it belongs to */
        for (uint32_t k = g; k < nd->ngpus; k++)
            if (!strcmp(nd->gpus[k].type, t) &&
                (all || nd->gpus[k].job_id == 0))
                c++;
        if (c >= want) {
            *type_out = t;
            return c;
        }
        if (c > best)
            best = c;
        if (type)
            break;
    }
    *type_out = NULL;
    return best;
}

/* Can node 'nd' take 'gpus' of the job's GPUs? ('all': ignore usage) */
static bool node_fits(const struct need *n, const struct node *nd,
                      uint32_t gpus, bool all, const char **type_out)
{
    uint32_t cpus_free = all ? nd->cpus : nd->cpus - nd->cpus_alloc;
    uint64_t mem_free = all ? nd->mem_mib : nd->mem_mib - nd->mem_alloc_mib;

    *type_out = NULL;
    if (n->exclusive && !all && nd->njobs > 0)
        return false;
    if (n->cpus > cpus_free || mem_on(n, nd) > mem_free)
        return false;
    if (gpus && gpus_of(nd, n->gpu_type, all, gpus, type_out) < gpus)
        return false;
    return true;
}

/* Pick nodes; fills job->alloc when 'commit'. Returns true if it fits. */
static bool place(const struct need *n, const struct partition *p,
                  struct job *job, bool all, bool commit)
{
    struct node **chosen = xcalloc(n->nnodes, sizeof(*chosen));
    const char **types = xcalloc(n->nnodes, sizeof(*types));
    uint32_t found = 0;
    uint32_t gpus_left = n->gpus_total;
    char **names;
    bool ok = false;

    for (size_t i = 0; i < p->nnodes && found < n->nnodes; i++) {
        struct node *nd = p->nodes[i];
        uint32_t want = gpus_left < n->gpus_per_node ? gpus_left
                                                     : n->gpus_per_node;
        const char *t = NULL;
        if (!all && !node_is_usable(nd))
            continue;
        if (!node_fits(n, nd, want, all, &t))
            continue;
        /* All of a job's GPUs are of one type. */
        if (want && found > 0 && types[0] && t && strcmp(types[0], t) != 0)
            continue;
        chosen[found] = nd;
        types[found] = t;
        gpus_left -= want;
        found++;
    }
    if (found < n->nnodes)
        goto out;
    ok = true;
    if (!commit)
        goto out;

    job_free_alloc(job);
    job->alloc = xcalloc(found, sizeof(*job->alloc));
    job->nalloc = found;
    names = xcalloc(found + 1, sizeof(*names));
    gpus_left = n->gpus_total;
    for (uint32_t i = 0; i < found; i++) {
        struct node *nd = chosen[i];
        struct job_alloc *al = &job->alloc[i];
        uint32_t want = gpus_left < n->gpus_per_node ? gpus_left
                                                     : n->gpus_per_node;

        al->node = xstrdup(nd->name);
        names[i] = al->node;
        al->cpus = n->exclusive ? nd->cpus : n->cpus;
        al->mem_mib = n->exclusive ? nd->mem_mib : mem_on(n, nd);
        al->gpu_indices = xcalloc(nd->ngpus + 1, sizeof(uint32_t));
        for (uint32_t g = 0; g < nd->ngpus && al->ngpus < want; g++)
            if (!nd->gpus[g].job_id && types[i] &&
                !strcmp(nd->gpus[g].type, types[i]))
                al->gpu_indices[al->ngpus++] = g;
        gpus_left -= al->ngpus;
    }
    if (n->gpus_total && types[0])
        job->gpu_type = xstrdup(types[0]);
    job->nodelist = hostlist_compress(names, found);
    free(names);
out:
    free(chosen);
    free(types);
    return ok;
}

int sched_validate(struct ctld *ctx, const struct job *job,
                   const struct partition *p, struct tess_error *err)
{
    struct need n;

    job_need(job->desc, &n);
    if (n.nnodes > p->nnodes) {
        errno = EINVAL;
        return tess_errprintf(err,
                              "partition '%s' has %zu nodes, the job asks "
                              "for %u",
                              p->name, p->nnodes, n.nnodes);
    }
    if (p->max_nodes && n.nnodes > p->max_nodes) {
        errno = EINVAL;
        return tess_errprintf(err, "partition '%s' allows at most %u nodes",
                              p->name, p->max_nodes);
    }
    if (!place(&n, p, (struct job *)job, true, false)) {
        errno = EINVAL;
        if (n.gpus_total)
            return tess_errprintf(
                err,
                "requested node configuration is not available: no %u "
                "node(s) in partition '%s' offer %u %s GPU(s), %u CPU(s) "
                "each",
                n.nnodes, p->name, n.gpus_per_node,
                n.gpu_type ? n.gpu_type : "(any type)", n.cpus);
        return tess_errprintf(err,
                              "requested node configuration is not "
                              "available: no %u node(s) in partition '%s' "
                              "offer %u CPU(s) and %llu MiB each",
                              n.nnodes, p->name, n.cpus,
                              (unsigned long long)n.mem_mib);
    }
    return 0;
}

static void start_job(struct ctld *ctx, struct job *job)
{
    job_table_dequeue(ctx->jobs, job);
    job->state = JOB_RUNNING;
    job->start_time = time(NULL);
    job_set_reason(job, NULL);
    node_table_claim(ctx->nodes, job);
    log_info("job %u: started on %s", job->id, job->nodelist);
    job_mgr_save(ctx, job, NULL, NULL);
    node_mgr_launch(ctx, job);
}

static void sched_pass(struct sched *s)
{
    struct ctld *ctx = s->ctx;
    struct job_queue *q = job_table_pending(ctx->jobs);
    size_t nparts = node_table_partition_count(ctx->nodes);
    bool *blocked = xcalloc(nparts + 1, sizeof(*blocked));
    size_t nblocked = 0;
    uint32_t started = 0;
    struct job *job = TAILQ_FIRST(q);

    while (job && nblocked < nparts) {
        struct job *next = TAILQ_NEXT(job, pending_link);
        struct partition *p = node_table_partition(ctx->nodes, job->partition);
        size_t pi = 0;
        struct need n;

        if (!p) { /* partition removed from the config */
            job_set_reason(job, "PartitionMissing");
            job = next;
            continue;
        }
        pi = (size_t)(p - node_table_partition_at(ctx->nodes, 0));
        if (blocked[pi]) {
            job = next;
            continue;
        }
        job_need(job->desc, &n);
        if (p->state == CONF_PART_UP && place(&n, p, job, false, true)) {
            start_job(ctx, job);
            started++;
        } else {
            job_set_reason(job, p->state == CONF_PART_UP ? "Resources"
                                                        : "PartitionDown");
            blocked[pi] = true;
            nblocked++;
        }
        job = next;
    }
    free(blocked);
    log_flag(SCHED, "sched: pass started %u job(s), %zu pending", started,
             job_table_pending_count(ctx->jobs));
}

static void pass_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sched *s = arg;
    s->is_pending = false;
    sched_pass(s);
}

struct sched *sched_create(struct ctld *ctx)
{
    struct sched *s = xcalloc(1, sizeof(*s));
    s->ctx = ctx;
    s->pass_ev = evtimer_new(ctx->base, pass_cb, s);
    return s;
}

void sched_destroy(struct sched *s)
{
    int saved_errno = errno;
    if (!s)
        return;
    event_free(s->pass_ev);
    free(s);
    errno = saved_errno;
}

void sched_request(struct sched *s)
{
    struct timeval now = { 0, 0 };
    if (s->is_pending)
        return;
    s->is_pending = true;
    evtimer_add(s->pass_ev, &now);
}
