/* SPDX-License-Identifier: Apache-2.0 */
/* Request handlers. Each decodes its body with the checked readers (codecs
 * in common/ for the larger bodies), checks who is asking, and replies.
 * Identity always comes from the connection. */
#include "config.h"

#include "ctld/ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/auth.h"
#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/log.h"
#include "common/wire.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/job_mgr.h"
#include "ctld/job_table.h"
#include "ctld/node_mgr.h"
#include "ctld/node_table.h"

typedef void (*op_handler_fn)(struct ctld *ctx, struct conn *c,
                              const struct wire_msg *m);

static void op_submit(struct ctld *ctx, struct conn *c,
                      const struct wire_msg *m)
{
    struct tess_error err = { "" };
    struct job_desc *jd = job_desc_from_json(m->body, &err);

    if (!jd) {
        conn_reply_error(c, m, WIRE_ERR_INVALID, "%s", err.text);
        return;
    }
    job_mgr_submit(ctx, c, m, jd);
}

static int get_job_id(struct conn *c, const struct wire_msg *m,
                      uint32_t *id)
{
    struct tess_error err = { "" };
    if (wire_get_u32(m->body, m->op, "job_id", true, 1, UINT32_MAX, id,
                     &err) < 0) {
        conn_reply_error(c, m, WIRE_ERR_PROTO, "%s", err.text);
        return -1;
    }
    return 0;
}

static void op_cancel(struct ctld *ctx, struct conn *c,
                      const struct wire_msg *m)
{
    struct tess_error err = { "" };
    uint32_t id = 0;

    if (get_job_id(c, m, &id) < 0)
        return;
    if (job_mgr_cancel(ctx, id, conn_peer_identity(c)->uid, &err) < 0)
        conn_reply_error(c, m, wire_errcode_from_errno(errno), "%s", err.text);
    else
        conn_reply(c, m, NULL);
}

static void op_wait(struct ctld *ctx, struct conn *c,
                    const struct wire_msg *m)
{
    uint32_t id = 0;
    if (get_job_id(c, m, &id) == 0)
        job_mgr_wait(ctx, c, m, id);
}

static bool may_see_script(struct ctld *ctx, struct conn *c,
                           const struct job *job)
{
    uid_t uid = conn_peer_identity(c)->uid;
    return uid == job->uid || auth_is_admin(uid, ctx->tess_uid);
}

static void op_get(struct ctld *ctx, struct conn *c, const struct wire_msg *m)
{
    uint32_t id = 0;
    struct job *job;

    if (get_job_id(c, m, &id) < 0)
        return;
    if (!(job = job_table_find(ctx->jobs, id))) {
        conn_reply_error(c, m, WIRE_ERR_NOT_FOUND, "job %u does not exist",
                         id);
        return;
    }
    conn_reply(c, m, job_to_json(job, may_see_script(ctx, c, job)));
}

/* A page of job.list holds at most this many jobs, so a reply stays well
 * under the frame cap even with 100,000 jobs queued. */
#define LIST_PAGE_DEFAULT 5000
#define LIST_PAGE_MAX     20000

struct list_ctx {
    const struct job **jobs;
    size_t n;
    bool states[JOB_STATE_COUNT];
    const char *user;
    uint32_t after_id;
};

static void collect(struct job *job, void *arg)
{
    struct list_ctx *lc = arg;
    if (!lc->states[job->state])
        return;
    if (lc->user && strcmp(lc->user, job->user) != 0)
        return;
    if (job->id <= lc->after_id)
        return;
    lc->jobs[lc->n++] = job;
}

static int by_id(const void *a, const void *b)
{
    const struct job *ja = *(const struct job *const *)a;
    const struct job *jb = *(const struct job *const *)b;
    return ja->id < jb->id ? -1 : ja->id > jb->id;
}

static json_t *job_summary(const struct job *job)
{
    const struct job_desc *d = job->desc;
    json_t *o = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:i, s:i}",
        "job_id", (int)job->id, "name", d->name ? d->name : "batch", "user",
        job->user, "state", job_state_name(job->state), "partition",
        job->partition, "time_limit_min", (int)job->time_limit_min,
        "submit_time", (json_int_t)job->submit_time, "start_time",
        (json_int_t)job->start_time, "end_time", (json_int_t)job->end_time,
        "nodes", (int)(job->nalloc ? job->nalloc : job_desc_nodes(d)),
        "exit_code", job->exit_code, "term_signal", job->term_signal);
    if (job->nodelist)
        json_object_set_new(o, "nodelist", json_string(job->nodelist));
    if (job->reason)
        json_object_set_new(o, "reason", json_string(job->reason));
    if (d->gpus || d->gpus_per_node || d->gpus_per_task) {
        uint32_t total = 0;
        for (uint32_t i = 0; i < job->nalloc; i++)
            total += job->alloc[i].ngpus;
        json_object_set_new(o, "gpus", json_integer(total));
        if (job->gpu_type || d->gpu_type)
            json_object_set_new(
                o, "gpu_type",
                json_string(job->gpu_type ? job->gpu_type : d->gpu_type));
    }
    return o;
}

static void op_list(struct ctld *ctx, struct conn *c,
                    const struct wire_msg *m)
{
    struct tess_error err = { "" };
    struct list_ctx lc = { 0 };
    json_t *states = json_object_get(m->body, "states");
    uint32_t limit = LIST_PAGE_DEFAULT;
    json_t *out;
    json_t *reply;
    size_t i;
    json_t *v;

    if (wire_get_str_ref(m->body, m->op, "user", false, 256, &lc.user, &err) <
            0 ||
        wire_get_u32(m->body, m->op, "after_id", false, 0, UINT32_MAX,
                     &lc.after_id, &err) < 0 ||
        wire_get_u32(m->body, m->op, "limit", false, 1, LIST_PAGE_MAX, &limit,
                     &err) < 0) {
        conn_reply_error(c, m, WIRE_ERR_PROTO, "%s", err.text);
        return;
    }
    if (states) {
        if (!json_is_array(states)) {
            conn_reply_error(c, m, WIRE_ERR_PROTO,
                             "job.list: field 'states': expected array");
            return;
        }
        json_array_foreach(states, i, v)
        {
            enum job_state s;
            if (!json_is_string(v) ||
                job_state_parse(json_string_value(v), &s) < 0) {
                conn_reply_error(c, m, WIRE_ERR_INVALID,
                                 "job.list: unknown state in 'states'");
                return;
            }
            lc.states[s] = true;
        }
    } else {
        lc.states[JOB_PENDING] = lc.states[JOB_RUNNING] =
            lc.states[JOB_COMPLETING] = true;
    }
    lc.jobs = xcalloc(job_table_count(ctx->jobs) + 1, sizeof(*lc.jobs));
    job_table_foreach(ctx->jobs, collect, &lc);
    qsort(lc.jobs, lc.n, sizeof(*lc.jobs), by_id);
    out = json_array();
    for (i = 0; i < lc.n && i < limit; i++)
        json_array_append_new(out, job_summary(lc.jobs[i]));
    reply = json_pack("{s:o}", "jobs", out);
    /* More to come: the client asks again with after_id = next_after. */
    if (lc.n > limit)
        json_object_set_new(reply, "next_after",
                            json_integer(lc.jobs[limit - 1]->id));
    free(lc.jobs);
    conn_reply(c, m, reply);
}

static void op_node_list(struct ctld *ctx, struct conn *c,
                         const struct wire_msg *m)
{
    json_t *out = json_array();
    for (size_t i = 0; i < node_table_count(ctx->nodes); i++)
        json_array_append_new(out,
                              node_to_json(node_table_at(ctx->nodes, i)));
    conn_reply(c, m, json_pack("{s:o}", "nodes", out));
}

static void op_partition_list(struct ctld *ctx, struct conn *c,
                              const struct wire_msg *m)
{
    json_t *out = json_array();
    for (size_t i = 0; i < node_table_partition_count(ctx->nodes); i++)
        json_array_append_new(
            out, partition_to_json(node_table_partition_at(ctx->nodes, i)));
    conn_reply(c, m, json_pack("{s:o}", "partitions", out));
}

static void op_ping(struct ctld *ctx, struct conn *c, const struct wire_msg *m)
{
    const struct auth_identity *id = conn_peer_identity(c);
    conn_reply(c, m,
               json_pack("{s:s, s:s, s:i, s:I, s:I, s:i, s:b}", "version",
                         PACKAGE_VERSION, "cluster", ctx->conf->cluster_name,
                         "uid", (int)id->uid, "jobs",
                         (json_int_t)job_table_count(ctx->jobs), "pending",
                         (json_int_t)job_table_pending_count(ctx->jobs),
                         "next_job_id", (int)ctx->next_job_id, "admin",
                         auth_is_admin(id->uid, ctx->tess_uid)));
}

static const struct op_row {
    const char *op;
    op_handler_fn fn;
} op_table[] = {
    { "ctld.ping", op_ping },
    { "job.cancel", op_cancel },
    { "job.complete", node_mgr_job_complete },
    { "job.get", op_get },
    { "job.list", op_list },
    { "job.submit", op_submit },
    { "job.wait", op_wait },
    { "node.heartbeat", node_mgr_heartbeat },
    { "node.list", op_node_list },
    { "node.register", node_mgr_register },
    { "partition.list", op_partition_list },
};

void ops_dispatch(struct ctld *ctx, struct conn *c, const struct wire_msg *m)
{
    json_t *empty = NULL;
    struct wire_msg mm = *m;

    if (!mm.body)
        mm.body = empty = json_object();
    for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++) {
        if (!strcmp(op_table[i].op, mm.op)) {
            op_table[i].fn(ctx, c, &mm);
            json_decref(empty);
            return;
        }
    }
    conn_reply_error(c, &mm, WIRE_ERR_INVALID, "unknown op '%s'", mm.op);
    json_decref(empty);
}

const char *const *ops_names(void)
{
    static const char *names[sizeof(op_table) / sizeof(op_table[0]) + 1];
    for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
        names[i] = op_table[i].op;
    return names;
}
