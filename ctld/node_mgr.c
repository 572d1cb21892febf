/* SPDX-License-Identifier: Apache-2.0 */
/* Node daemons as the controller sees them. Only a peer proven to run as
 * root or TessUser may register as a node, and a registered link may only
 * report on its own node's jobs. */
#include "config.h"

#include "ctld/node_mgr.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/job_launch.h"
#include "common/log.h"
#include "common/wire.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/job_mgr.h"
#include "ctld/job_table.h"
#include "ctld/node_table.h"
#include "ctld/sched.h"
#include "ctld/server.h"

static struct server_peer *peer_of(struct conn *c)
{
    return conn_get_data(c);
}

/* Is this job's batch script running on node 'n'? */
static bool runs_on(const struct job *job, const struct node *n)
{
    return job->nalloc > 0 && !strcmp(job->alloc[0].node, n->name) &&
           (job->state == JOB_RUNNING || job->state == JOB_COMPLETING);
}

struct reconcile {
    struct ctld *ctx;
    struct node *node;
    json_t *running;  /* ids the node reports running */
    json_t *finished; /* ids whose results the node still holds */
};

static bool id_in(json_t *a, uint32_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if ((uint32_t)json_integer_value(v) == id)
        return true;
    return false;
}

/* Jobs we think run on this node which the node does not know were lost
 * (tessd restarted without them). Walks only this node's batch jobs. */
static void reconcile(struct reconcile *r)
{
    uint32_t n = r->node->nbatch;
    uint32_t *ids = xcalloc(n + 1, sizeof(uint32_t));

    /* Copy: finishing a job edits the node's list. */
    if (n)
        memcpy(ids, r->node->batch_jobs, n * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        struct job *job = job_table_find(r->ctx->jobs, ids[i]);
        if (!job || !runs_on(job, r->node))
            continue;
        if (id_in(r->running, job->id) || id_in(r->finished, job->id))
            continue;
        log_warning("job %u: node %s no longer runs it", job->id,
                    r->node->name);
        job_mgr_finish(r->ctx, job, JOB_NODE_FAIL, 0, 0,
                       "node restarted and lost the job", NULL, NULL);
    }
    free(ids);
}

void node_mgr_register(struct ctld *ctx, struct conn *c,
                       const struct wire_msg *req)
{
    static const char *op = "node.register";
    const struct auth_identity *id = conn_peer_identity(c);
    struct tess_error err = { "" };
    struct server_peer *peer = peer_of(c);
    const char *name = NULL;
    uint32_t cpus = 0;
    uint64_t mem = 0;
    uint32_t port = 0;
    json_t *running;
    json_t *finished;
    json_t *kill = json_array();
    struct reconcile r;
    struct node *n;
    size_t i;
    json_t *v;

    if (!auth_is_admin(id->uid, ctx->tess_uid)) {
        log_warning("%s: uid %u may not register a node", conn_peer_name(c),
                    (unsigned)id->uid);
        conn_reply_error(c, req, WIRE_ERR_DENIED,
                         "only root or TessUser may register a node");
        goto out;
    }
    running = json_object_get(req->body, "running");
    finished = json_object_get(req->body, "finished");
    if (wire_get_str_ref(req->body, op, "name", true, 256, &name, &err) < 0 ||
        wire_get_u32(req->body, op, "cpus", true, 1, 1u << 20, &cpus, &err) <
            0 ||
        wire_get_u64(req->body, op, "mem_mib", true, 1, 1ull << 40, &mem,
                     &err) < 0 ||
        wire_get_u32(req->body, op, "port", false, 0, 65535, &port, &err) <
            0) {
        conn_reply_error(c, req, WIRE_ERR_PROTO, "%s", err.text);
        goto out;
    }
    if (!json_is_array(running) || !json_is_array(finished)) {
        conn_reply_error(c, req, WIRE_ERR_PROTO,
                         "%s: fields 'running' and 'finished' must be arrays",
                         op);
        goto out;
    }
    if (!(n = node_table_find(ctx->nodes, name))) {
        log_warning("%s: unknown node '%s' tried to register",
                    conn_peer_name(c), name);
        conn_reply_error(c, req, WIRE_ERR_NOT_FOUND,
                         "node '%s' is not in the configuration", name);
        goto out;
    }
    if (n->link && n->link != c) {
        /* A restarted tessd replaces its stale link. */
        struct server_peer *old = peer_of(n->link);
        log_info("node %s: replacing the previous connection", n->name);
        if (old)
            old->node = NULL;
        conn_close(n->link);
        n->link = NULL;
    }
    if (!n->cpus)
        n->cpus = cpus;
    if (!n->mem_mib)
        n->mem_mib = mem;
    n->port = (uint16_t)port;
    n->link = c;
    n->is_registered = true;
    n->last_seen = time(NULL);
    XFREE(n->reason);
    peer->node = n;

    r.ctx = ctx;
    r.node = n;
    r.running = running;
    r.finished = finished;
    reconcile(&r);
    /* Jobs the node runs that we consider over (or never knew): kill. */
    json_array_foreach(running, i, v)
    {
        struct job *job;
        if (!json_is_integer(v))
            continue;
        job = job_table_find(ctx->jobs, (uint32_t)json_integer_value(v));
        if (!job || !runs_on(job, n))
            json_array_append(kill, v);
    }
    log_info("node %s: registered from %s (%u cpus, %llu MiB, %u gpus)",
             n->name, conn_peer_name(c), n->cpus,
             (unsigned long long)n->mem_mib, n->ngpus);
    conn_reply(c, req, json_pack("{s:O}", "kill", kill));
    sched_request(ctx->sched);
out:
    json_decref(kill);
}

void node_mgr_heartbeat(struct ctld *ctx, struct conn *c,
                        const struct wire_msg *req)
{
    struct server_peer *peer = peer_of(c);
    if (!peer->node) {
        conn_reply_error(c, req, WIRE_ERR_DENIED, "not a registered node");
        return;
    }
    peer->node->last_seen = time(NULL);
    conn_reply(c, req, NULL);
}

struct complete_ctx {
    struct conn_pending reply;
};

static void complete_saved_cb(int rc, void *arg)
{
    struct complete_ctx *cc = arg;
    if (rc < 0)
        conn_pending_error(&cc->reply, WIRE_ERR_INTERNAL,
                           "could not store the result; retry");
    else
        conn_pending_reply(&cc->reply, NULL);
    free(cc);
}

void node_mgr_job_complete(struct ctld *ctx, struct conn *c,
                           const struct wire_msg *req)
{
    static const char *op = "job.complete";
    struct server_peer *peer = peer_of(c);
    struct tess_error err = { "" };
    uint32_t job_id = 0;
    const char *state_name = NULL;
    const char *reason = NULL;
    int64_t exit_code = 0;
    int64_t sig = 0;
    enum job_state state;
    struct complete_ctx *cc;
    struct job *job;

    if (!peer->node) {
        conn_reply_error(c, req, WIRE_ERR_DENIED, "not a registered node");
        return;
    }
    if (wire_get_u32(req->body, op, "job_id", true, 1, UINT32_MAX, &job_id,
                     &err) < 0 ||
        wire_get_str_ref(req->body, op, "state", true, 32, &state_name,
                         &err) < 0 ||
        wire_get_i64(req->body, op, "exit_code", true, 0, 255, &exit_code,
                     &err) < 0 ||
        wire_get_i64(req->body, op, "term_signal", false, 0, 128, &sig,
                     &err) < 0 ||
        wire_get_str_ref(req->body, op, "reason", false, 1024, &reason,
                         &err) < 0) {
        conn_reply_error(c, req, WIRE_ERR_PROTO, "%s", err.text);
        return;
    }
    if (job_state_parse(state_name, &state) < 0 ||
        !job_state_is_final(state)) {
        conn_reply_error(c, req, WIRE_ERR_PROTO, "%s: bad final state '%s'",
                         op, state_name);
        return;
    }
    job = job_table_find(ctx->jobs, job_id);
    if (!job || !runs_on(job, peer->node)) {
        /* Already final (a resend after our ack was lost), or not this
         * node's job: nothing to record. */
        conn_reply(c, req, NULL);
        return;
    }
    if (job->is_cancel_requested && state != JOB_TIMEOUT)
        state = JOB_CANCELLED;
    if (reason && !reason[0])
        reason = NULL;
    cc = xcalloc(1, sizeof(*cc));
    conn_defer(c, req, &cc->reply);
    job_mgr_finish(ctx, job, state, (int)exit_code, (int)sig, reason,
                   complete_saved_cb, cc);
}

void node_mgr_link_closed(struct ctld *ctx, struct conn *c)
{
    struct server_peer *peer = peer_of(c);
    struct node *n = peer ? peer->node : NULL;

    if (!n || n->link != c)
        return;
    log_warning("node %s: tessd disconnected", n->name);
    n->link = NULL;
    n->is_registered = false;
    free(n->reason);
    n->reason = xstrdup("tessd not responding");
    peer->node = NULL;
}

struct launch_ctx {
    struct ctld *ctx;
    uint32_t job_id;
    char node[256];
};

static void launch_done_cb(struct conn *c, const struct wire_msg *reply,
                           void *arg)
{
    struct launch_ctx *lc = arg;
    struct job *job = job_table_find(lc->ctx->jobs, lc->job_id);
    char reason[512];

    if (lc->ctx->is_stopping) {
        free(lc);
        return;
    }
    if (job && (job->state == JOB_RUNNING || job->state == JOB_COMPLETING) &&
        (!reply || reply->is_error)) {
        snprintf(reason, sizeof(reason), "launch failed on %s: %s", lc->node,
                 reply ? reply->err_text : "node connection lost");
        log_error("job %u: %s", job->id, reason);
        job_mgr_finish(lc->ctx, job, JOB_FAILED, 0, 0, reason, NULL, NULL);
    }
    free(lc);
}

static struct job_launch *launch_of(struct ctld *ctx, const struct job *job)
{
    const struct job_desc *d = job->desc;
    const struct job_alloc *al = &job->alloc[0];
    struct job_launch *l = job_launch_create();

    l->job_id = job->id;
    l->job_name = xstrdup(d->name ? d->name : "batch");
    l->cluster_name = xstrdup(ctx->conf->cluster_name);
    l->partition = xstrdup(job->partition);
    l->account = d->account ? xstrdup(d->account) : NULL;
    l->uid = job->uid;
    l->gid = job->gid;
    l->user_name = xstrdup(job->user);
    l->work_dir = xstrdup(d->work_dir ? d->work_dir : "/");
    l->script = xstrdup(d->script);
    l->argv = xcalloc(d->argc + 1, sizeof(char *));
    for (size_t i = 0; i < d->argc; i++)
        l->argv[i] = xstrdup(d->argv[i]);
    l->argc = d->argc;
    l->env = xcalloc(d->envc + 1, sizeof(char *));
    for (size_t i = 0; i < d->envc; i++)
        l->env[i] = xstrdup(d->env[i]);
    l->envc = d->envc;
    l->std_out = d->std_out ? xstrdup(d->std_out) : NULL;
    l->std_err = d->std_err ? xstrdup(d->std_err) : NULL;
    l->std_in = d->std_in ? xstrdup(d->std_in) : NULL;
    l->open_mode = d->open_mode;
    l->time_limit_min = job->time_limit_min;
    l->nodelist = xstrdup(job->nodelist);
    l->nnodes = job->nalloc;
    l->node_index = 0;
    l->ntasks = job_desc_ntasks(d);
    l->cpus_per_task = job_desc_cpus_per_task(d);
    l->cpus = al->cpus;
    l->mem_mib = al->mem_mib;
    l->gpu_indices = xcalloc(al->ngpus + 1, sizeof(uint32_t));
    memcpy(l->gpu_indices, al->gpu_indices, al->ngpus * sizeof(uint32_t));
    l->ngpus = al->ngpus;
    l->gpu_type = job->gpu_type ? xstrdup(job->gpu_type) : NULL;
    l->submit_time = job->submit_time;
    return l;
}

void node_mgr_launch(struct ctld *ctx, struct job *job)
{
    struct node *n = node_table_find(ctx->nodes, job->alloc[0].node);
    struct launch_ctx *lc;
    struct job_launch *l;

    if (!n || !n->link) {
        job_mgr_finish(ctx, job, JOB_FAILED, 0, 0,
                       "launch failed: node not connected", NULL, NULL);
        return;
    }
    lc = xcalloc(1, sizeof(*lc));
    lc->ctx = ctx;
    lc->job_id = job->id;
    snprintf(lc->node, sizeof(lc->node), "%s", n->name);
    l = launch_of(ctx, job);
    if (conn_request(n->link, "job.launch", job_launch_to_json(l),
                     launch_done_cb, lc) < 0) {
        free(lc);
        job_mgr_finish(ctx, job, JOB_FAILED, 0, 0,
                       "launch failed: node connection lost", NULL, NULL);
    }
    job_launch_destroy(l);
}

int node_mgr_kill(struct ctld *ctx, struct job *job)
{
    struct node *n;

    if (!job->nalloc)
        return -1;
    n = node_table_find(ctx->nodes, job->alloc[0].node);
    if (!n || !n->link)
        return -1;
    return conn_request(n->link, "job.kill",
                        json_pack("{s:i}", "job_id", (int)job->id), NULL,
                        NULL);
}
