/* SPDX-License-Identifier: Apache-2.0 */
/* Job lifecycle. The rule that shapes this file: a client hears "accepted"
 * only after the job's record is durable, so a submission's reply is
 * deferred until the store's commit callback. */
#include "config.h"

#include "ctld/job_mgr.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/wire.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/job_table.h"
#include "ctld/node_mgr.h"
#include "ctld/node_table.h"
#include "ctld/sched.h"
#include "ctld/store.h"

void job_mgr_save(struct ctld *ctx, struct job *job,
                  void (*cb)(int rc, void *arg), void *arg)
{
    json_t *o = job_to_json(job, true);
    char *text = json_dumps(o, JSON_COMPACT);

    json_decref(o);
    store_put_job(ctx->store, job->id, text, cb, arg);
    free(text);
}

struct submit_ctx {
    struct ctld *ctx;
    uint32_t job_id;
    struct conn_pending reply;
};

static void submit_saved_cb(int rc, void *arg)
{
    struct submit_ctx *sc = arg;
    struct job *job = job_table_find(sc->ctx->jobs, sc->job_id);

    if (rc < 0 || !job) {
        conn_pending_error(&sc->reply, WIRE_ERR_INTERNAL,
                           "the controller could not store the job");
    } else {
        log_verbose("job %u: submitted by uid %u to partition %s", job->id,
                    (unsigned)job->uid, job->partition);
        job_table_enqueue(sc->ctx->jobs, job);
        sched_request(sc->ctx->sched);
        conn_pending_reply(&sc->reply,
                           json_pack("{s:i}", "job_id", (int)job->id));
    }
    free(sc);
}

/* Resolve the partition and time limit; check the job could ever run. */
static int admit(struct ctld *ctx, struct job *job, struct tess_error *err)
{
    const struct job_desc *d = job->desc;
    const struct partition *p;

    if (d->partition) {
        if (!(p = node_table_partition(ctx->nodes, d->partition))) {
            errno = ENOENT;
            return tess_errprintf(err, "partition '%s' does not exist",
                                  d->partition);
        }
    } else if (!(p = node_table_default_partition(ctx->nodes))) {
        errno = EINVAL;
        return tess_errprintf(err, "no partition given and the cluster has "
                                   "no default partition");
    }
    if (p->state == CONF_PART_INACTIVE || p->state == CONF_PART_DRAIN) {
        errno = EINVAL;
        return tess_errprintf(err, "partition '%s' is not accepting jobs",
                              p->name);
    }
    job->partition = xstrdup(p->name);
    if (d->time_limit_min == JOB_TIME_UNSET)
        job->time_limit_min = p->default_time_min != JOB_TIME_UNSET
                                  ? p->default_time_min
                                  : p->max_time_min;
    else
        job->time_limit_min = d->time_limit_min;
    if (p->max_time_min != JOB_TIME_INFINITE &&
        (job->time_limit_min == JOB_TIME_INFINITE ||
         job->time_limit_min > p->max_time_min)) {
        errno = EINVAL;
        return tess_errprintf(err,
                              "time limit exceeds partition '%s' MaxTime "
                              "(%u minutes)",
                              p->name, p->max_time_min);
    }
    return sched_validate(ctx, job, p, err);
}

void job_mgr_submit(struct ctld *ctx, struct conn *c,
                    const struct wire_msg *req, struct job_desc *jd)
{
    const struct auth_identity *id = conn_peer_identity(c);
    struct tess_error err = { "" };
    struct submit_ctx *sc;
    struct passwd *pw;
    struct job *job;

    job = job_create(ctx->next_job_id);
    job->desc = jd;
    job->uid = id->uid;
    job->gid = id->gid;
    /* getpwuid is a local NSS lookup here; sites with slow directory
     * services want a cache (later issue). */
    pw = getpwuid(id->uid);
    if (!pw) {
        conn_reply_error(c, req, WIRE_ERR_DENIED, "uid %u has no passwd entry",
                         (unsigned)id->uid);
        job_destroy(job);
        return;
    }
    job->user = xstrdup(pw->pw_name);
    if (admit(ctx, job, &err) < 0) {
        conn_reply_error(c, req, wire_errcode_from_errno(errno), "%s",
                         err.text);
        job_destroy(job);
        return;
    }
    ctx->next_job_id++;
    job->state = JOB_PENDING;
    job->submit_time = time(NULL);
    job_set_reason(job, "None");
    job_table_insert(ctx->jobs, job);

    sc = xcalloc(1, sizeof(*sc));
    sc->ctx = ctx;
    sc->job_id = job->id;
    conn_defer(c, req, &sc->reply);
    job_mgr_save(ctx, job, submit_saved_cb, sc);
}

static void answer_waiters(struct job *job)
{
    struct job_waiter *w;

    while ((w = LIST_FIRST(&job->waiters))) {
        LIST_REMOVE(w, link);
        conn_pending_reply(&w->reply, job_to_json(job, false));
        free(w);
    }
}

void job_mgr_finish(struct ctld *ctx, struct job *job, enum job_state state,
                    int exit_code, int term_signal, const char *reason,
                    void (*saved_cb)(int rc, void *arg), void *arg)
{
    bool had_alloc = job->state == JOB_RUNNING ||
                     job->state == JOB_COMPLETING;

    job_table_dequeue(ctx->jobs, job);
    if (had_alloc)
        node_table_release(ctx->nodes, job);
    job->state = state;
    job->exit_code = exit_code;
    job->term_signal = term_signal;
    job->end_time = time(NULL);
    job_set_reason(job, reason);
    log_info("job %u: %s (exit %d%s%s)", job->id, job_state_name(state),
             exit_code, reason ? ", " : "", reason ? reason : "");
    job_mgr_save(ctx, job, saved_cb, arg);
    answer_waiters(job);
    sched_request(ctx->sched);
}

int job_mgr_cancel(struct ctld *ctx, uint32_t job_id, uid_t uid,
                   struct tess_error *err)
{
    struct job *job = job_table_find(ctx->jobs, job_id);

    if (!job) {
        errno = ENOENT;
        return tess_errprintf(err, "job %u does not exist", job_id);
    }
    if (job->uid != uid && !auth_is_admin(uid, ctx->tess_uid)) {
        log_warning("job %u: cancel by uid %u refused (owner uid %u)", job_id,
                    (unsigned)uid, (unsigned)job->uid);
        errno = EPERM;
        return tess_errprintf(err, "job %u belongs to another user", job_id);
    }
    if (job_state_is_final(job->state)) {
        errno = EINVAL;
        return tess_errprintf(err, "job %u has already finished (%s)", job_id,
                              job_state_name(job->state));
    }
    if (job->state == JOB_PENDING) {
        job_mgr_finish(ctx, job, JOB_CANCELLED, 0, 0, "cancelled by user", NULL,
                       NULL);
        return 0;
    }
    job->is_cancel_requested = true;
    job->state = JOB_COMPLETING;
    job_mgr_save(ctx, job, NULL, NULL);
    if (node_mgr_kill(ctx, job) < 0) {
        /* The node is gone; its processes die with it or are killed when
         * it registers again and reports the job. */
        job_mgr_finish(ctx, job, JOB_CANCELLED, 0, SIGKILL,
                       "cancelled; node not reachable", NULL, NULL);
    }
    return 0;
}

void job_mgr_wait(struct ctld *ctx, struct conn *c, const struct wire_msg *req,
                  uint32_t job_id)
{
    struct job *job = job_table_find(ctx->jobs, job_id);
    struct job_waiter *w;

    if (!job) {
        conn_reply_error(c, req, WIRE_ERR_NOT_FOUND, "job %u does not exist",
                         job_id);
        return;
    }
    if (job_state_is_final(job->state)) {
        conn_reply(c, req, job_to_json(job, false));
        return;
    }
    w = xcalloc(1, sizeof(*w));
    conn_defer(c, req, &w->reply);
    LIST_INSERT_HEAD(&job->waiters, w, link);
}

static int load_row(uint32_t id, const char *text, void *arg)
{
    struct ctld *ctx = arg;
    struct tess_error err = { "" };
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    struct job *job;

    if (!o) {
        log_error("store: job %u: unreadable record: %s", id, jerr.text);
        return 0; /* keep the others */
    }
    job = job_from_json(o, &err);
    json_decref(o);
    if (!job) {
        log_error("store: %s", err.text);
        return 0;
    }
    if (job_table_find(ctx->jobs, job->id)) {
        job_destroy(job);
        return 0;
    }
    job_table_insert(ctx->jobs, job);
    if (job->id >= ctx->next_job_id)
        ctx->next_job_id = job->id + 1;
    if (job->state == JOB_PENDING)
        job_table_enqueue(ctx->jobs, job);
    else if (job->state == JOB_RUNNING || job->state == JOB_COMPLETING)
        node_table_claim(ctx->nodes, job);
    return 0;
}

int job_mgr_load(struct ctld *ctx, struct tess_error *err)
{
    int rc = store_load_jobs(ctx->store, load_row, ctx, err);
    if (rc == 0)
        log_info("recovered %zu job(s), %zu pending; next job id %u",
                 job_table_count(ctx->jobs),
                 job_table_pending_count(ctx->jobs), ctx->next_job_id);
    return rc;
}
