/* SPDX-License-Identifier: Apache-2.0 */
/* Framed, authenticated connections on bufferevents. The read path never
 * allocates for a frame before checking its length header against the
 * cap. A conn is reference counted: the open connection holds one
 * reference, deferred replies and in-flight dispatch hold others, so a
 * handler may close the connection it is called for. */
#include "config.h"

#include "common/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/error.h"
#include "common/log.h"
#include "common/net.h"
#include "common/strutil.h"
#include "common/xalloc.h"

/* Replies waiting for a peer that stopped reading are dropped with the
 * connection past this much unsent output. */
#define CONN_MAX_OUTPUT_BYTES (256u * 1024 * 1024)
#define CONN_WRITE_TIMEOUT_S  60

struct pending_req {
    TAILQ_ENTRY(pending_req) link;
    uint64_t id;
    conn_reply_fn cb;
    void *arg;
};
TAILQ_HEAD(pending_list, pending_req);

struct conn {
    int refs;
    bool is_open;
    bool is_unix;
    bool is_client;
    bool is_authenticated;
    bool is_closing; /* flushing a last reply, then closing */
    struct event_base *base;
    struct bufferevent *bev;
    struct auth *auth;
    size_t max_frame;
    uint32_t hello_timeout_s;
    uint32_t idle_timeout_s;
    char name[32];
    const struct conn_ops *ops;
    void *arg;
    void *data;
    struct auth_identity peer;
    char peer_name[80];
    uint64_t next_id;
    uint64_t hello_id;
    struct pending_list pending;
};

static void conn_teardown(struct conn *c);

void conn_incref(struct conn *c)
{
    c->refs++;
}

void conn_decref(struct conn *c)
{
    if (!c || --c->refs > 0)
        return;
    free(c);
}

bool conn_is_open(const struct conn *c)
{
    return c->is_open;
}

const struct auth_identity *conn_peer_identity(const struct conn *c)
{
    return &c->peer;
}

const char *conn_peer_name(const struct conn *c)
{
    return c->peer_name;
}

void conn_set_data(struct conn *c, void *data)
{
    c->data = data;
}

void *conn_get_data(const struct conn *c)
{
    return c->data;
}

static void set_timeouts(struct conn *c)
{
    struct timeval rd = { 0, 0 };
    struct timeval wr = { CONN_WRITE_TIMEOUT_S, 0 };

    if (!c->is_authenticated)
        rd.tv_sec = c->hello_timeout_s;
    else
        rd.tv_sec = c->idle_timeout_s;
    bufferevent_set_timeouts(c->bev, rd.tv_sec ? &rd : NULL, &wr);
}

/* The peer is gone or misbehaved: tell the owner, then tear down. */
static void conn_fail(struct conn *c, const char *why)
{
    if (!c->is_open)
        return;
    log_flag(WIRE, "%s: connection %s closed: %s", c->name, c->peer_name,
             why);
    conn_incref(c);
    conn_teardown(c);
    if (c->ops->closed)
        c->ops->closed(c, c->arg);
    conn_decref(c); /* the open connection's reference */
    conn_decref(c);
}

/* Queue an encoded frame (takes ownership of buf). */
static int conn_send_frame(struct conn *c, char *buf, size_t len)
{
    int rc = -1;

    if (!c->is_open || c->is_closing) {
        free(buf);
        errno = ENOTCONN;
        return -1;
    }
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) + len >
        CONN_MAX_OUTPUT_BYTES) {
        log_warning("%s: %s is not reading its replies; closing", c->name,
                    c->peer_name);
        free(buf);
        conn_fail(c, "output cap reached");
        errno = ENOBUFS;
        return -1;
    }
    if (bufferevent_write(c->bev, buf, len) == 0)
        rc = 0;
    free(buf);
    return rc;
}

static int conn_send_json(struct conn *c, json_t *msg)
{
    size_t len = 0;
    char *buf;

    if (!c->is_open || c->is_closing) {
        json_decref(msg);
        errno = ENOTCONN;
        return -1;
    }
    buf = wire_frame_encode(msg, c->max_frame, &len);
    json_decref(msg);
    if (!buf)
        return -1;
    return conn_send_frame(c, buf, len);
}

static void close_after_flush(struct conn *c)
{
    c->is_closing = true;
    bufferevent_disable(c->bev, EV_READ);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_fail(c, "closed after error reply");
}

/* Reply with an error, then close: for peers that broke the protocol. */
static void reject(struct conn *c, const struct wire_msg *req,
                   enum wire_errcode code, const char *text)
{
    conn_send_json(c, wire_error_new(req, code, text));
    close_after_flush(c);
}

int conn_request(struct conn *c, const char *op, json_t *body,
                 conn_reply_fn cb, void *arg)
{
    uint64_t id;

    if (!c->is_open || c->is_closing) {
        json_decref(body);
        errno = ENOTCONN;
        return -1;
    }
    id = ++c->next_id;
    if (conn_send_json(c, wire_request_new(id, op, body)) < 0)
        return -1;
    if (cb) {
        struct pending_req *p = xcalloc(1, sizeof(*p));
        p->id = id;
        p->cb = cb;
        p->arg = arg;
        TAILQ_INSERT_TAIL(&c->pending, p, link);
    }
    return 0;
}

void conn_reply(struct conn *c, const struct wire_msg *req, json_t *body)
{
    json_t *msg = wire_reply_new(req, body);
    size_t len = 0;
    char *buf = wire_frame_encode(msg, c->max_frame, &len);
    int encode_errno = errno;

    json_decref(msg);
    if (buf) {
        conn_send_frame(c, buf, len);
        return;
    }
    /* A reply too large for the frame cap becomes a too_large error. */
    if (encode_errno == E2BIG)
        conn_send_json(c, wire_error_new(req, WIRE_ERR_TOO_LARGE,
                                         "reply exceeds the message size cap"));
}

void conn_reply_error(struct conn *c, const struct wire_msg *req,
                      enum wire_errcode code, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    conn_send_json(c, wire_error_new(req, code, text));
}

void conn_defer(struct conn *c, const struct wire_msg *req,
                struct conn_pending *out)
{
    conn_incref(c);
    out->c = c;
    out->req = *req;
    str_copy(out->op_buf, req->op, sizeof(out->op_buf));
    out->req.op = out->op_buf;
    out->req.body = NULL;
    out->req.err_text = NULL;
}

void conn_pending_reply(struct conn_pending *p, json_t *body)
{
    if (p->c->is_open)
        conn_reply(p->c, &p->req, body);
    else
        json_decref(body);
    conn_pending_drop(p);
}

void conn_pending_error(struct conn_pending *p, enum wire_errcode code,
                        const char *text)
{
    if (p->c->is_open)
        conn_send_json(p->c, wire_error_new(&p->req, code, text));
    conn_pending_drop(p);
}

void conn_pending_drop(struct conn_pending *p)
{
    conn_decref(p->c);
    p->c = NULL;
}

/* Server side of auth.hello over TCP. */
static void handle_hello(struct conn *c, const struct wire_msg *m)
{
    struct tess_error err = { "" };
    const char *cred = NULL;
    char *mine = NULL;

    if (wire_get_str_ref(m->body, "auth.hello", "cred", true, 4096, &cred,
                         &err) < 0) {
        log_warning("%s: %s: %s", c->name, c->peer_name, err.text);
        reject(c, m, WIRE_ERR_PROTO, err.text);
        return;
    }
    if (auth_cred_verify(c->auth, cred, &c->peer, &err) < 0) {
        log_warning("%s: %s: authentication failed: %s", c->name,
                    c->peer_name, err.text);
        reject(c, m, WIRE_ERR_DENIED, err.text);
        return;
    }
    if (!(mine = auth_cred_create(c->auth, &err))) {
        log_error("%s: cannot answer %s: %s", c->name, c->peer_name, err.text);
        reject(c, m, WIRE_ERR_INTERNAL, "server cannot create a credential");
        return;
    }
    c->is_authenticated = true;
    set_timeouts(c);
    log_flag(AUTH, "%s: %s authenticated as uid %u", c->name, c->peer_name,
             (unsigned)c->peer.uid);
    conn_reply(c, m, json_pack("{s:s, s:i}", "cred", mine, "uid",
                               (int)c->peer.uid));
    explicit_bzero(mine, strlen(mine));
    free(mine);
}

/* Client side: the server's answer to our auth.hello. */
static void hello_reply_cb(struct conn *c, const struct wire_msg *reply,
                           void *arg)
{
    struct tess_error err = { "" };
    const char *cred = NULL;

    if (!reply)
        return;
    if (reply->is_error) {
        log_error("%s: %s refused us: %s", c->name, c->peer_name,
                  reply->err_text);
        conn_fail(c, "authentication refused");
        return;
    }
    if (wire_get_str_ref(reply->body, "auth.hello", "cred", true, 4096, &cred,
                         &err) < 0 ||
        auth_cred_verify(c->auth, cred, &c->peer, &err) < 0) {
        log_error("%s: cannot authenticate %s: %s", c->name, c->peer_name,
                  err.text);
        conn_fail(c, "server authentication failed");
        return;
    }
    c->is_authenticated = true;
    set_timeouts(c);
    if (c->ops->ready)
        c->ops->ready(c, c->arg);
}

static void dispatch(struct conn *c, json_t *msg)
{
    struct tess_error err = { "" };
    struct wire_msg m;

    if (wire_msg_decode(msg, &m, &err) < 0) {
        log_warning("%s: %s: %s", c->name, c->peer_name, err.text);
        reject(c, NULL, WIRE_ERR_PROTO, err.text);
        return;
    }
    if (m.is_reply) {
        struct pending_req *p;
        TAILQ_FOREACH(p, &c->pending, link)
        {
            if (p->id == m.id)
                break;
        }
        if (!p) {
            log_flag(WIRE, "%s: %s: reply to unknown request %llu", c->name,
                     c->peer_name, (unsigned long long)m.id);
            return;
        }
        TAILQ_REMOVE(&c->pending, p, link);
        p->cb(c, &m, p->arg);
        free(p);
        return;
    }
    if (!c->is_authenticated) {
        if (!c->is_client && !strcmp(m.op, "auth.hello")) {
            handle_hello(c, &m);
            return;
        }
        log_warning("%s: %s: '%s' before authentication; closing", c->name,
                    c->peer_name, m.op);
        reject(c, &m, WIRE_ERR_DENIED, "authenticate first (auth.hello)");
        return;
    }
    if (!strcmp(m.op, "auth.hello")) {
        conn_reply_error(c, &m, WIRE_ERR_INVALID, "already authenticated");
        return;
    }
    c->ops->request(c, &m, c->arg);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    conn_incref(c);
    while (c->is_open && !c->is_closing) {
        struct tess_error err = { "" };
        size_t avail = evbuffer_get_length(in);
        uint8_t hdr[WIRE_HEADER_BYTES];
        size_t need = 0;
        size_t used = 0;
        json_t *msg = NULL;
        int rc;

        if (avail < WIRE_HEADER_BYTES)
            break;
        /* Check the length header first; only then make the frame
         * contiguous. */
        evbuffer_copyout(in, hdr, sizeof(hdr));
        rc = wire_frame_decode(hdr, sizeof(hdr), c->max_frame, &msg, &used,
                               &need, &err);
        if (rc == 0 && need > avail)
            break;
        if (rc == 0)
            rc = wire_frame_decode(evbuffer_pullup(in, (ssize_t)need), need,
                                   c->max_frame, &msg, &used, &need, &err);
        if (rc < 0) {
            log_warning("%s: %s: %s; closing", c->name, c->peer_name,
                        err.text);
            reject(c, NULL,
                   errno == E2BIG ? WIRE_ERR_TOO_LARGE : WIRE_ERR_PROTO,
                   err.text);
            break;
        }
        evbuffer_drain(in, used);
        dispatch(c, msg);
        json_decref(msg);
    }
    conn_decref(c);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->is_closing &&
        evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_fail(c, "closed after error reply");
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    struct tess_error err = { "" };
    char *cred;

    if (what & BEV_EVENT_CONNECTED) {
        if (!(cred = auth_cred_create(c->auth, &err))) {
            log_error("%s: %s", c->name, err.text);
            conn_fail(c, "no credential");
            return;
        }
        bufferevent_enable(bev, EV_READ | EV_WRITE);
        conn_request(c, "auth.hello", json_pack("{s:s}", "cred", cred),
                     hello_reply_cb, NULL);
        explicit_bzero(cred, strlen(cred));
        free(cred);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        conn_fail(c, c->is_authenticated ? "idle timeout"
                                         : "no authentication in time");
    else if (what & BEV_EVENT_EOF)
        conn_fail(c, "end of file");
    else if (what & BEV_EVENT_ERROR)
        conn_fail(c, strerror(EVUTIL_SOCKET_ERROR()));
}

static struct conn *conn_new(struct event_base *base, int fd,
                             const struct conn_params *p,
                             const struct conn_ops *ops, void *arg)
{
    struct conn *c = xcalloc(1, sizeof(*c));

    c->refs = 1;
    c->is_open = true;
    c->base = base;
    c->auth = p->auth;
    c->max_frame = p->max_frame ? p->max_frame : WIRE_MAX_FRAME_DEFAULT;
    c->hello_timeout_s = p->hello_timeout_s ? p->hello_timeout_s : 10;
    c->idle_timeout_s = p->idle_timeout_s;
    str_copy(c->name, p->name ? p->name : "conn", sizeof(c->name));
    c->ops = ops;
    c->arg = arg;
    TAILQ_INIT(&c->pending);
    c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    /* Stop reading once one maximal frame is buffered: a peer cannot make
     * us buffer more than that. */
    bufferevent_setwatermark(c->bev, EV_READ, 0,
                             c->max_frame + WIRE_HEADER_BYTES);
    return c;
}

static void describe_peer(struct conn *c, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
            port = ntohs(sin->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
            port = ntohs(sin6->sin6_port);
        }
    }
    snprintf(c->peer_name, sizeof(c->peer_name), "%s:%u", host, port);
}

struct conn *conn_accept(struct event_base *base, int fd, bool is_unix,
                         const struct conn_params *p,
                         const struct conn_ops *ops, void *arg)
{
    struct conn *c = conn_new(base, fd, p, ops, arg);

    evutil_make_socket_nonblocking(fd);
    c->is_unix = is_unix;
    if (is_unix) {
        if (auth_peercred(fd, &c->peer) < 0) {
            log_warning_errno("%s: SO_PEERCRED failed", c->name);
            snprintf(c->peer_name, sizeof(c->peer_name), "unix:?");
            c->is_open = false;
            bufferevent_free(c->bev);
            c->bev = NULL;
            conn_decref(c);
            return NULL;
        }
        c->is_authenticated = true;
        snprintf(c->peer_name, sizeof(c->peer_name), "unix:uid=%u",
                 (unsigned)c->peer.uid);
    } else {
        describe_peer(c, fd);
    }
    set_timeouts(c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    return c;
}

struct conn *conn_connect(struct event_base *base, const char *host,
                          uint16_t port, const struct conn_params *p,
                          const struct conn_ops *ops, void *arg,
                          struct tess_error *err)
{
    int fd = net_connect_tcp_nb(host, port, err);
    struct conn *c;
    struct timeval tv = { 10, 0 };

    if (fd < 0)
        return NULL;
    c = conn_new(base, fd, p, ops, arg);
    c->is_client = true;
    snprintf(c->peer_name, sizeof(c->peer_name), "%s:%u", host,
             (unsigned)port);
    /* The connect completes asynchronously: BEV_EVENT_CONNECTED. */
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_enable(c->bev, EV_WRITE);
    /* A non-blocking connect on loopback may already have finished; the
     * bufferevent learns of it when the socket is writable. */
    bufferevent_socket_connect(c->bev, NULL, 0);
    return c;
}

/* Release the socket and fail every request still waiting for a reply. */
static void conn_teardown(struct conn *c)
{
    struct pending_req *p;

    c->is_open = false;
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    while ((p = TAILQ_FIRST(&c->pending))) {
        TAILQ_REMOVE(&c->pending, p, link);
        p->cb(c, NULL, p->arg);
        free(p);
    }
}

void conn_close(struct conn *c)
{
    if (!c || !c->is_open)
        return;
    conn_teardown(c);
    conn_decref(c);
}
