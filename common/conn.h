/* SPDX-License-Identifier: Apache-2.0 */
/* A framed, authenticated connection on a libevent bufferevent: the one
 * way daemons talk. One connection carries many requests in both
 * directions; replies match requests by id. TCP peers authenticate once, at
 * connect: the connecting side sends auth.hello with its MUNGE credential
 * and the accepting side answers with its own, so both ends know whom they
 * talk to. Unix-socket peers are identified by SO_PEERCRED. Until a peer is
 * authenticated, anything but auth.hello is answered with 'denied' and the
 * connection is closed. Oversized frames get a 'too_large' reply and a
 * close, before anything is allocated; malformed ones get 'proto' and a
 * close. Input is capped by watermarks and every connection has timeouts. */
#ifndef TESS_COMMON_CONN_H
#define TESS_COMMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/auth.h"
#include "common/wire.h"

struct event_base;
struct tess_error;
struct conn;

struct conn_ops {
    /* A request from the authenticated peer. Reply now with conn_reply()
     * or later through conn_defer(). */
    void (*request)(struct conn *c, const struct wire_msg *m, void *arg);
    /* Client side: the peer proved its identity (conn_peer_identity()).
     * May be NULL. */
    void (*ready)(struct conn *c, void *arg);
    /* The peer went away, an error or timeout ended the connection, or the
     * protocol was violated. Not called after conn_close(). The conn stays
     * valid until the callback returns. */
    void (*closed)(struct conn *c, void *arg);
};

struct conn_params {
    struct auth *auth;         /* required for TCP */
    size_t max_frame;          /* 0: WIRE_MAX_FRAME_DEFAULT */
    uint32_t hello_timeout_s;  /* 0: 10 */
    uint32_t idle_timeout_s;   /* 0: none */
    const char *name;          /* for log lines, e.g. "ctld" */
};

/* Wrap an accepted fd (takes ownership). Never fails. */
struct conn *conn_accept(struct event_base *base, int fd, bool is_unix,
                         const struct conn_params *p,
                         const struct conn_ops *ops, void *arg);

/* Connect to host:port and authenticate (ops->ready when done). Returns
 * NULL with err if the connect cannot even start. */
struct conn *conn_connect(struct event_base *base, const char *host,
                          uint16_t port, const struct conn_params *p,
                          const struct conn_ops *ops, void *arg,
                          struct tess_error *err);

/* reply is NULL if the connection closed before the reply came. */
typedef void (*conn_reply_fn)(struct conn *c, const struct wire_msg *reply,
                              void *arg);

/* Send a request (steals body). cb may be NULL for fire-and-forget.
 * Returns -1 (ENOTCONN) if the connection is closed; cb is then not
 * called. */
int conn_request(struct conn *c, const char *op, json_t *body,
                 conn_reply_fn cb, void *arg);
/* Reply to a request (steals body). */
void conn_reply(struct conn *c, const struct wire_msg *req, json_t *body);
void conn_reply_error(struct conn *c, const struct wire_msg *req,
                      enum wire_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A reply to be sent later. conn_defer() takes a reference on c; exactly
 * one of conn_pending_reply/_error/_drop must follow. Sending on a
 * connection that has closed meanwhile is a no-op. */
struct conn_pending {
    struct conn *c;
    struct wire_msg req; /* op copied into op_buf */
    char op_buf[WIRE_OP_MAX + 1];
};
void conn_defer(struct conn *c, const struct wire_msg *req,
                struct conn_pending *out);
void conn_pending_reply(struct conn_pending *p, json_t *body);
void conn_pending_error(struct conn_pending *p, enum wire_errcode code,
                        const char *text);
void conn_pending_drop(struct conn_pending *p);

/* Close now: pending request callbacks get reply NULL, ops->closed is not
 * called, the conn is freed once no reference remains. */
void conn_close(struct conn *c);
bool conn_is_open(const struct conn *c);

void conn_incref(struct conn *c);
void conn_decref(struct conn *c);

const struct auth_identity *conn_peer_identity(const struct conn *c);
/* "127.0.0.1:4242" or "unix:uid=1001". */
const char *conn_peer_name(const struct conn *c);

void conn_set_data(struct conn *c, void *data);
void *conn_get_data(const struct conn *c);

#endif
