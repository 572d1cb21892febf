/* SPDX-License-Identifier: Apache-2.0 */
/* Listeners and connection bookkeeping. Every accepted connection becomes
 * a conn (common/conn.c), which authenticates it before any request
 * reaches ops_dispatch(). */
#include "config.h"

#include "ctld/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/conf.h"
#include "common/conn.h"
#include "common/error.h"
#include "common/log.h"
#include "common/net.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/node_mgr.h"
#include "ctld/ops.h"

TAILQ_HEAD(peer_list, server_peer);

struct server {
    struct ctld *ctx;
    struct evconnlistener *tcp;
    struct evconnlistener *local;
    char *addr_path;
    char *socket_path;
    struct conn_params params;
    struct peer_list peers;
};

static void request_cb(struct conn *c, const struct wire_msg *m, void *arg)
{
    struct server *s = arg;
    ops_dispatch(s->ctx, c, m);
}

static void forget_peer(struct server *s, struct server_peer *p)
{
    TAILQ_REMOVE(&s->peers, p, link);
    conn_set_data(p->conn, NULL);
    free(p);
}

static void closed_cb(struct conn *c, void *arg)
{
    struct server *s = arg;
    struct server_peer *p = conn_get_data(c);

    node_mgr_link_closed(s->ctx, c);
    if (p)
        forget_peer(s, p);
}

static const struct conn_ops server_conn_ops = {
    .request = request_cb,
    .closed = closed_cb,
};

static void accept_common(struct server *s, evutil_socket_t fd, bool is_unix)
{
    struct conn *c = conn_accept(s->ctx->base, fd, is_unix, &s->params,
                                 &server_conn_ops, s);
    struct server_peer *p;

    if (!c)
        return;
    p = xcalloc(1, sizeof(*p));
    p->conn = c;
    conn_set_data(c, p);
    TAILQ_INSERT_TAIL(&s->peers, p, link);
}

static void tcp_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                          struct sockaddr *sa, int len, void *arg)
{
    accept_common(arg, fd, false);
}

static void unix_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                           struct sockaddr *sa, int len, void *arg)
{
    accept_common(arg, fd, true);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    /* EMFILE and friends: keep serving the connections we have. */
    log_warning_errno("ctld: accept failed");
}

struct server *server_create(struct ctld *ctx, struct tess_error *err)
{
    const struct conf *conf = ctx->conf;
    struct server *s = xcalloc(1, sizeof(*s));
    uint16_t port = 0;
    int fd;

    s->ctx = ctx;
    TAILQ_INIT(&s->peers);
    s->params.auth = ctx->auth;
    s->params.max_frame = conf->max_msg_bytes;
    s->params.name = "ctld";

    fd = net_listen_tcp(conf->control_host, conf->control_port, &port, err);
    if (fd < 0)
        goto fail;
    s->tcp = evconnlistener_new(ctx->base, tcp_accept_cb, s,
                                LEV_OPT_CLOSE_ON_FREE, -1, fd);
    evconnlistener_set_error_cb(s->tcp, accept_error_cb);

    s->socket_path = xstrdup(conf->control_socket);
    /* Anyone may connect: the kernel tells us who they are. */
    fd = net_listen_unix(s->socket_path, 0666, err);
    if (fd < 0)
        goto fail;
    s->local = evconnlistener_new(ctx->base, unix_accept_cb, s,
                                  LEV_OPT_CLOSE_ON_FREE, -1, fd);
    evconnlistener_set_error_cb(s->local, accept_error_cb);

    s->addr_path = xasprintf("%s/tessctld.addr", conf->state_dir);
    if (net_write_addr_file(s->addr_path, conf->control_host, port, err) < 0)
        goto fail;
    log_info("listening on %s:%u and %s", conf->control_host, (unsigned)port,
             s->socket_path);
    return s;
fail:
    server_destroy(s);
    return NULL;
}

void server_destroy(struct server *s)
{
    struct server_peer *p;
    int saved_errno = errno;

    if (!s)
        return;
    while ((p = TAILQ_FIRST(&s->peers))) {
        struct conn *c = p->conn;
        forget_peer(s, p);
        conn_close(c);
    }
    if (s->tcp)
        evconnlistener_free(s->tcp);
    if (s->local)
        evconnlistener_free(s->local);
    if (s->socket_path)
        unlink(s->socket_path);
    if (s->addr_path)
        unlink(s->addr_path);
    free(s->socket_path);
    free(s->addr_path);
    free(s);
    errno = saved_errno;
}
