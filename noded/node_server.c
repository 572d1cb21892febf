/* SPDX-License-Identifier: Apache-2.0 */
/* The node's listener: authenticated connections (MUNGE), node.ping. */
#include "config.h"

#include "noded/node_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/log.h"
#include "common/net.h"
#include "common/xalloc.h"
#include "noded/inventory.h"
#include "noded/job_runner.h"
#include "noded/noded.h"

struct peer {
    TAILQ_ENTRY(peer) link;
    struct conn *conn;
};
TAILQ_HEAD(peer_list, peer);

struct node_server {
    struct noded *nd;
    struct evconnlistener *listener;
    uint16_t port;
    char *addr_path;
    struct conn_params params;
    struct peer_list peers;
};

static void count_job(uint32_t id, void *arg)
{
    (*(int *)arg)++;
}

static void request_cb(struct conn *c, const struct wire_msg *m, void *arg)
{
    struct node_server *s = arg;
    int njobs = 0;
    json_t *body;

    if (strcmp(m->op, "node.ping") != 0) {
        conn_reply_error(c, m, WIRE_ERR_INVALID, "unknown op '%s'", m->op);
        return;
    }
    job_runner_foreach(s->nd->runner, count_job, &njobs);
    body = inventory_to_json(&s->nd->inv);
    json_object_set_new(body, "name", json_string(s->nd->node_name));
    json_object_set_new(body, "jobs", json_integer(njobs));
    json_object_set_new(body, "version", json_string(PACKAGE_VERSION));
    conn_reply(c, m, body);
}

static void closed_cb(struct conn *c, void *arg)
{
    struct node_server *s = arg;
    struct peer *p = conn_get_data(c);
    if (p) {
        TAILQ_REMOVE(&s->peers, p, link);
        free(p);
    }
}

static const struct conn_ops server_ops = {
    .request = request_cb,
    .closed = closed_cb,
};

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int len, void *arg)
{
    struct node_server *s = arg;
    struct conn *c = conn_accept(s->nd->base, fd, false, &s->params,
                                 &server_ops, s);
    struct peer *p = xcalloc(1, sizeof(*p));
    p->conn = c;
    conn_set_data(c, p);
    TAILQ_INSERT_TAIL(&s->peers, p, link);
}

struct node_server *node_server_create(struct noded *nd,
                                       struct tess_error *err)
{
    struct node_server *s = xcalloc(1, sizeof(*s));
    const struct conf_node *cn = nd->node_conf;
    const char *host = cn->addr ? cn->addr : "127.0.0.1";
    int fd;

    s->nd = nd;
    TAILQ_INIT(&s->peers);
    s->params.auth = nd->auth;
    s->params.max_frame = nd->conf->max_msg_bytes;
    s->params.idle_timeout_s = 300;
    s->params.name = "tessd";
    if ((fd = net_listen_tcp(host, cn->port, &s->port, err)) < 0)
        goto fail;
    s->listener = evconnlistener_new(nd->base, accept_cb, s,
                                     LEV_OPT_CLOSE_ON_FREE, -1, fd);
    s->addr_path = xasprintf("%s/tessd.addr", nd->spool_dir);
    if (net_write_addr_file(s->addr_path, host, s->port, err) < 0)
        goto fail;
    log_info("node %s: listening on %s:%u", nd->node_name, host,
             (unsigned)s->port);
    return s;
fail:
    node_server_destroy(s);
    return NULL;
}

void node_server_destroy(struct node_server *s)
{
    struct peer *p;
    int saved_errno = errno;

    if (!s)
        return;
    while ((p = TAILQ_FIRST(&s->peers))) {
        TAILQ_REMOVE(&s->peers, p, link);
        conn_close(p->conn);
        free(p);
    }
    if (s->listener)
        evconnlistener_free(s->listener);
    if (s->addr_path)
        unlink(s->addr_path);
    free(s->addr_path);
    free(s);
    errno = saved_errno;
}

uint16_t node_server_port(const struct node_server *s)
{
    return s->port;
}
