/* SPDX-License-Identifier: Apache-2.0 */
/* Controller link state machine: idle -> connecting -> authenticated ->
 * registered. Results live in an outbox until the controller has stored
 * them (its ack comes after its commit), so neither a dropped link nor a
 * controller restart loses a job's exit status. */
#include "config.h"

#include "noded/ctld_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/auth.h"
#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/job_launch.h"
#include "common/log.h"
#include "common/net.h"
#include "common/wire.h"
#include "common/xalloc.h"
#include "noded/job_runner.h"
#include "noded/node_server.h"
#include "noded/noded.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000

struct outbox_item {
    TAILQ_ENTRY(outbox_item) link;
    struct job_result res;
    bool is_in_flight;
};
TAILQ_HEAD(outbox, outbox_item);

struct ctld_link {
    struct noded *nd;
    struct conn *conn;
    bool is_registered;
    struct event *retry_ev;
    struct event *heartbeat_ev;
    uint32_t backoff_ms;
    struct outbox outbox;
    struct conn_params params;
};

static void schedule_connect(struct ctld_link *l);
static void flush_outbox(struct ctld_link *l);

static void add_id(uint32_t job_id, void *arg)
{
    json_array_append_new(arg, json_integer(job_id));
}

static void complete_acked_cb(struct conn *c, const struct wire_msg *reply,
                              void *arg)
{
    struct ctld_link *l = conn_get_data(c);
    struct outbox_item *it = arg;

    if (!l) /* link destroyed */
        return;
    it->is_in_flight = false;
    if (!reply)
        return; /* resent after the next registration */
    if (reply->is_error) {
        log_warning("job %u: controller did not take the result: %s",
                    it->res.job_id, reply->err_text);
        return;
    }
    TAILQ_REMOVE(&l->outbox, it, link);
    free(it);
}

static void flush_outbox(struct ctld_link *l)
{
    struct outbox_item *it;

    if (!l->is_registered)
        return;
    TAILQ_FOREACH(it, &l->outbox, link)
    {
        json_t *body;
        if (it->is_in_flight)
            continue;
        body = json_pack("{s:i, s:s, s:i, s:i, s:s}", "job_id",
                         (int)it->res.job_id, "state",
                         job_state_name(it->res.state), "exit_code",
                         it->res.exit_code, "term_signal",
                         it->res.term_signal, "reason", it->res.reason);
        if (conn_request(l->conn, "job.complete", body, complete_acked_cb,
                         it) == 0)
            it->is_in_flight = true;
    }
}

void ctld_link_job_done(struct ctld_link *l, const struct job_result *res)
{
    struct outbox_item *it = xcalloc(1, sizeof(*it));
    it->res = *res;
    TAILQ_INSERT_TAIL(&l->outbox, it, link);
    flush_outbox(l);
}

static void heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ctld_link *l = arg;
    if (l->is_registered)
        conn_request(l->conn, "node.heartbeat", NULL, NULL, NULL);
    flush_outbox(l); /* retries results the controller refused */
}

static void register_reply_cb(struct conn *c, const struct wire_msg *reply,
                              void *arg)
{
    struct ctld_link *l = conn_get_data(c);
    json_t *kill;
    size_t i;
    json_t *v;

    if (!l || !reply)
        return;
    if (reply->is_error) {
        log_error("node %s: registration refused: %s", l->nd->node_name,
                  reply->err_text);
        conn_close(c);
        l->conn = NULL;
        schedule_connect(l);
        return;
    }
    l->is_registered = true;
    l->backoff_ms = BACKOFF_MIN_MS;
    log_info("node %s: registered with the controller at %s",
             l->nd->node_name, conn_peer_name(c));
    kill = json_object_get(reply->body, "kill");
    json_array_foreach(kill, i, v)
    {
        if (json_is_integer(v)) {
            log_warning("job %u: controller no longer knows it; killing",
                        (unsigned)json_integer_value(v));
            job_runner_cancel(l->nd->runner, (uint32_t)json_integer_value(v));
        }
    }
    flush_outbox(l);
}

static void ready_cb(struct conn *c, void *arg)
{
    struct ctld_link *l = arg;
    const struct auth_identity *id = conn_peer_identity(c);
    json_t *body;
    json_t *running = json_array();
    json_t *finished = json_array();
    struct outbox_item *it;

    if (!auth_is_admin(id->uid, l->nd->tess_uid)) {
        log_error("controller at %s runs as uid %u, not root or TessUser; "
                  "refusing it",
                  conn_peer_name(c), (unsigned)id->uid);
        conn_close(c);
        l->conn = NULL;
        schedule_connect(l);
        json_decref(running);
        json_decref(finished);
        return;
    }
    job_runner_foreach(l->nd->runner, add_id, running);
    TAILQ_FOREACH(it, &l->outbox, link)
    json_array_append_new(finished, json_integer(it->res.job_id));
    body = inventory_to_json(&l->nd->inv);
    json_object_set_new(body, "name", json_string(l->nd->node_name));
    json_object_set_new(
        body, "port",
        json_integer(l->nd->server ? node_server_port(l->nd->server) : 0));
    json_object_set_new(body, "running", running);
    json_object_set_new(body, "finished", finished);
    json_object_set_new(body, "version", json_string(PACKAGE_VERSION));
    conn_request(c, "node.register", body, register_reply_cb, NULL);
}

static void handle_launch(struct ctld_link *l, struct conn *c,
                          const struct wire_msg *m)
{
    struct tess_error err = { "" };
    struct job_launch *jl = job_launch_from_json(m->body, &err);

    if (!jl) {
        log_warning("job.launch: %s", err.text);
        conn_reply_error(c, m, WIRE_ERR_PROTO, "%s", err.text);
        return;
    }
    if (job_runner_start(l->nd->runner, jl, &err) < 0) {
        log_error("job %u: %s", jl->job_id, err.text);
        conn_reply_error(c, m, wire_errcode_from_errno(errno), "%s",
                         err.text);
    } else {
        conn_reply(c, m, NULL);
    }
    job_launch_destroy(jl);
}

static void handle_kill(struct ctld_link *l, struct conn *c,
                        const struct wire_msg *m)
{
    struct tess_error err = { "" };
    uint32_t id = 0;

    if (wire_get_u32(m->body, m->op, "job_id", true, 1, UINT32_MAX, &id,
                     &err) < 0) {
        conn_reply_error(c, m, WIRE_ERR_PROTO, "%s", err.text);
        return;
    }
    if (job_runner_cancel(l->nd->runner, id) < 0) {
        conn_reply_error(c, m, WIRE_ERR_NOT_FOUND, "job %u is not running here",
                         id);
        return;
    }
    conn_reply(c, m, NULL);
}

static void request_cb(struct conn *c, const struct wire_msg *m, void *arg)
{
    struct ctld_link *l = arg;
    struct wire_msg mm = *m;
    json_t *empty = NULL;

    if (!mm.body)
        mm.body = empty = json_object();
    if (!strcmp(mm.op, "job.launch"))
        handle_launch(l, c, &mm);
    else if (!strcmp(mm.op, "job.kill"))
        handle_kill(l, c, &mm);
    else
        conn_reply_error(c, &mm, WIRE_ERR_INVALID, "unknown op '%s'", mm.op);
    json_decref(empty);
}

static void closed_cb(struct conn *c, void *arg)
{
    struct ctld_link *l = arg;
    struct outbox_item *it;

    if (l->is_registered)
        log_warning("node %s: lost the controller link; reconnecting",
                    l->nd->node_name);
    l->is_registered = false;
    l->conn = NULL;
    TAILQ_FOREACH(it, &l->outbox, link)
    it->is_in_flight = false;
    schedule_connect(l);
}

static const struct conn_ops link_ops = {
    .request = request_cb,
    .ready = ready_cb,
    .closed = closed_cb,
};

static void connect_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ctld_link *l = arg;
    const struct conf *conf = l->nd->conf;
    struct tess_error err = { "" };
    char *host = NULL;
    uint16_t port = conf->control_port;

    if (port == 0) {
        char *path = xasprintf("%s/tessctld.addr", conf->state_dir);
        int rc = net_read_addr_file(path, &host, &port, &err);
        free(path);
        if (rc < 0) {
            log_debug("controller address not known yet: %s", err.text);
            schedule_connect(l);
            return;
        }
    } else {
        host = xstrdup(conf->control_host);
    }
    l->conn = conn_connect(l->nd->base, host, port, &l->params, &link_ops, l,
                           &err);
    free(host);
    if (!l->conn) {
        log_debug("%s", err.text);
        schedule_connect(l);
        return;
    }
    conn_set_data(l->conn, l);
}

static void schedule_connect(struct ctld_link *l)
{
    struct timeval tv;

    if (l->nd->is_stopping)
        return;
    tv.tv_sec = l->backoff_ms / 1000;
    tv.tv_usec = (l->backoff_ms % 1000) * 1000;
    evtimer_add(l->retry_ev, &tv);
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                       : l->backoff_ms * 2;
}

struct ctld_link *ctld_link_create(struct noded *nd)
{
    struct ctld_link *l = xcalloc(1, sizeof(*l));
    struct timeval hb = { nd->conf->heartbeat_interval_s, 0 };
    struct timeval now = { 0, 0 };

    l->nd = nd;
    l->backoff_ms = BACKOFF_MIN_MS;
    TAILQ_INIT(&l->outbox);
    l->params.auth = nd->auth;
    l->params.max_frame = nd->conf->max_msg_bytes;
    l->params.name = "tessd";
    l->retry_ev = evtimer_new(nd->base, connect_cb, l);
    l->heartbeat_ev = event_new(nd->base, -1, EV_PERSIST, heartbeat_cb, l);
    event_add(l->heartbeat_ev, &hb);
    evtimer_add(l->retry_ev, &now);
    return l;
}

void ctld_link_destroy(struct ctld_link *l)
{
    struct outbox_item *it;
    int saved_errno = errno;

    if (!l)
        return;
    if (l->conn) {
        conn_set_data(l->conn, NULL);
        conn_close(l->conn);
    }
    event_free(l->retry_ev);
    event_free(l->heartbeat_ev);
    while ((it = TAILQ_FIRST(&l->outbox))) {
        log_warning("job %u: result not delivered before shutdown",
                    it->res.job_id);
        TAILQ_REMOVE(&l->outbox, it, link);
        free(it);
    }
    free(l);
    errno = saved_errno;
}
