/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking client transport: write a frame, read frames until the reply
 * with our id arrives. Used only by tools; daemons use conn.c. */
#include "config.h"

#include "common/client.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/auth.h"
#include "common/conf.h"
#include "common/error.h"
#include "common/fd_io.h"
#include "common/net.h"
#include "common/wire.h"
#include "common/xalloc.h"

#define CLIENT_CONNECT_TIMEOUT_MS 5000
#define CLIENT_HELLO_TIMEOUT_MS   10000

struct client {
    int fd;
    uint64_t next_id;
    char peer[300];
    uint8_t *buf; /* bytes received but not yet consumed */
    size_t len;
    size_t cap;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read one whole frame, waiting until 'deadline_ms' (-1: forever). */
static json_t *read_frame(struct client *c, int64_t deadline_ms,
                          struct tess_error *err)
{
    for (;;) {
        json_t *msg = NULL;
        size_t used = 0;
        size_t need = 0;
        int rc = wire_frame_decode(c->buf, c->len, WIRE_MAX_FRAME_DEFAULT,
                                   &msg, &used, &need, err);
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int timeout = -1;
        ssize_t n;

        if (rc < 0) {
            tess_errprefix(err, "bad reply from %s", c->peer);
            return NULL;
        }
        if (rc == 1) {
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return msg;
        }
        if (need > c->cap) {
            c->cap = need < 65536 ? 65536 : need;
            c->buf = xrealloc(c->buf, c->cap);
        }
        if (deadline_ms >= 0) {
            timeout = (int)(deadline_ms - now_ms());
            if (timeout <= 0) {
                errno = ETIMEDOUT;
                tess_errprintf(err, "no reply from %s in time", c->peer);
                return NULL;
            }
        }
        rc = poll(&pfd, 1, timeout);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            tess_errprintf(err, "%s: %s", c->peer, strerror(errno));
            return NULL;
        }
        if (rc == 0)
            continue;
        n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ECONNRESET;
            tess_errprintf(err, "connection to %s lost: %s", c->peer,
                           n == 0 ? "closed by the controller"
                                  : strerror(errno));
            return NULL;
        }
        c->len += (size_t)n;
    }
}

int client_call(struct client *c, const char *op, json_t *body,
                json_t **reply, int timeout_ms, struct tess_error *err)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    uint64_t id = ++c->next_id;
    json_t *req = wire_request_new(id, op, body);
    size_t len = 0;
    char *buf = wire_frame_encode(req, WIRE_MAX_FRAME_DEFAULT, &len);

    json_decref(req);
    if (!buf)
        return tess_errprintf(err, "%s: request too large", op);
    if (fd_write_all(c->fd, buf, len) < 0) {
        free(buf);
        return tess_errprintf(err, "cannot send to %s: %s", c->peer,
                              strerror(errno));
    }
    free(buf);
    for (;;) {
        json_t *msg = read_frame(c, deadline, err);
        struct wire_msg m;
        int rc = -1;

        if (!msg)
            return -1;
        if (wire_msg_decode(msg, &m, err) < 0) {
            json_decref(msg);
            return tess_errprefix(err, "bad reply from %s", c->peer);
        }
        /* id 0 is the server's reply to a frame it could not parse. */
        if (!m.is_reply || (m.id != id && m.id != 0)) {
            json_decref(msg);
            continue;
        }
        if (m.is_error) {
            errno = wire_errcode_errno(m.err_code);
            tess_errprintf(err, "%s", m.err_text);
        } else {
            if (reply)
                *reply = json_incref(m.body ? m.body : json_object());
            rc = 0;
        }
        json_decref(msg);
        return rc;
    }
}

static struct client *client_new(int fd, const char *peer)
{
    struct client *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    return c;
}

void client_destroy(struct client *c)
{
    int saved_errno = errno;
    if (c) {
        if (c->fd >= 0)
            close(c->fd);
        free(c->buf);
        free(c);
    }
    errno = saved_errno;
}

const char *client_peer(const struct client *c)
{
    return c->peer;
}

struct client *client_connect_unix(const char *path, long expected_uid,
                                   struct tess_error *err)
{
    struct auth_identity server;
    int fd = net_connect_unix(path, err);

    if (fd < 0)
        return NULL;
    if (auth_peercred(fd, &server) < 0 ||
        (expected_uid >= 0 && server.uid != 0 &&
         server.uid != (uid_t)expected_uid)) {
        close(fd);
        errno = EPERM;
        tess_errprintf(err, "%s: server runs as uid %u, not the controller's "
                            "user",
                       path, (unsigned)server.uid);
        return NULL;
    }
    return client_new(fd, path);
}

struct client *client_connect_tcp(const char *host, uint16_t port,
                                  const char *munge_socket, long expected_uid,
                                  struct tess_error *err)
{
    char peer[300];
    struct auth *auth = NULL;
    struct auth_identity server;
    struct client *c = NULL;
    json_t *reply = NULL;
    const char *scred = NULL;
    char *cred = NULL;
    int fd;

    snprintf(peer, sizeof(peer), "%s:%u", host, (unsigned)port);
    fd = net_connect_tcp(host, port, CLIENT_CONNECT_TIMEOUT_MS, err);
    if (fd < 0) {
        tess_errprintf(err, "cannot reach the controller at %s: %s", peer,
                       strerror(errno));
        return NULL;
    }
    c = client_new(fd, peer);
    auth = auth_create(munge_socket);
    if (!(cred = auth_cred_create(auth, err)))
        goto fail;
    if (client_call(c, "auth.hello", json_pack("{s:s}", "cred", cred), &reply,
                    CLIENT_HELLO_TIMEOUT_MS, err) < 0) {
        tess_errprefix(err, "controller at %s refused us", peer);
        goto fail;
    }
    if (wire_get_str_ref(reply, "auth.hello", "cred", true, 4096, &scred,
                         err) < 0 ||
        auth_cred_verify(auth, scred, &server, err) < 0) {
        tess_errprefix(err, "cannot authenticate the controller at %s", peer);
        goto fail;
    }
    if (expected_uid >= 0 && server.uid != 0 &&
        server.uid != (uid_t)expected_uid) {
        errno = EPERM;
        tess_errprintf(err, "%s: server runs as uid %u, not the controller's "
                            "user",
                       peer, (unsigned)server.uid);
        goto fail;
    }
    json_decref(reply);
    explicit_bzero(cred, strlen(cred));
    free(cred);
    auth_destroy(auth);
    return c;
fail:
    json_decref(reply);
    if (cred) {
        explicit_bzero(cred, strlen(cred));
        free(cred);
    }
    auth_destroy(auth);
    client_destroy(c);
    return NULL;
}

static long tess_user_uid(const struct conf *conf)
{
    struct passwd *pw = getpwnam(conf->tess_user ? conf->tess_user : "root");
    return pw ? (long)pw->pw_uid : 0;
}

struct client *client_connect_ctld(const struct conf *conf,
                                   struct tess_error *err)
{
    long expected = tess_user_uid(conf);
    struct stat st;
    char *host = NULL;
    uint16_t port = conf->control_port;
    struct client *c;

    if (conf->control_socket && stat(conf->control_socket, &st) == 0 &&
        S_ISSOCK(st.st_mode)) {
        c = client_connect_unix(conf->control_socket, expected, NULL);
        if (c)
            return c;
    }
    if (port == 0) {
        char *path = xasprintf("%s/tessctld.addr", conf->state_dir);
        int rc = net_read_addr_file(path, &host, &port, err);
        free(path);
        if (rc < 0) {
            errno = ECONNREFUSED;
            return NULL;
        }
    } else {
        host = xstrdup(conf->control_host);
    }
    c = client_connect_tcp(host, port, conf->munge_socket, expected, err);
    free(host);
    return c;
}
