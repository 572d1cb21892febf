/* SPDX-License-Identifier: Apache-2.0 */
/* MUNGE credentials and SO_PEERCRED. A decode that returns an error still
 * fills in the uid (munged does so for replays), so only the return code
 * is trusted. */
#include "config.h"

#include "common/auth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <munge.h>

#include "common/error.h"
#include "common/xalloc.h"

struct auth {
    char *munge_socket;
};

struct auth *auth_create(const char *munge_socket)
{
    struct auth *a = xcalloc(1, sizeof(*a));
    if (munge_socket)
        a->munge_socket = xstrdup(munge_socket);
    return a;
}

void auth_destroy(struct auth *a)
{
    int saved_errno = errno;
    if (a) {
        free(a->munge_socket);
        free(a);
    }
    errno = saved_errno;
}

static munge_ctx_t auth_ctx(struct auth *a, struct tess_error *err)
{
    munge_ctx_t ctx = munge_ctx_create();
    if (!ctx) {
        errno = ENOMEM;
        tess_errprintf(err, "munge: cannot create context");
        return NULL;
    }
    if (a->munge_socket &&
        munge_ctx_set(ctx, MUNGE_OPT_SOCKET, a->munge_socket) != EMUNGE_SUCCESS) {
        tess_errprintf(err, "munge: bad socket '%s': %s", a->munge_socket,
                       munge_ctx_strerror(ctx));
        munge_ctx_destroy(ctx);
        errno = EINVAL;
        return NULL;
    }
    return ctx;
}

static const char *auth_socket_name(const struct auth *a)
{
    return a->munge_socket ? a->munge_socket : "the default munge socket";
}

char *auth_cred_create(struct auth *a, struct tess_error *err)
{
    munge_ctx_t ctx = auth_ctx(a, err);
    char *cred = NULL;
    char *copy;
    munge_err_t rc;

    if (!ctx)
        return NULL;
    rc = munge_encode(&cred, ctx, NULL, 0);
    if (rc != EMUNGE_SUCCESS) {
        tess_errprintf(err, "munge: %s (is munged running at %s?)",
                       munge_ctx_strerror(ctx), auth_socket_name(a));
        munge_ctx_destroy(ctx);
        errno = rc == EMUNGE_SOCKET ? ECONNREFUSED : EIO;
        return NULL;
    }
    munge_ctx_destroy(ctx);
    copy = xstrdup(cred);
    explicit_bzero(cred, strlen(cred));
    free(cred);
    return copy;
}

int auth_cred_verify(struct auth *a, const char *cred,
                     struct auth_identity *out, struct tess_error *err)
{
    munge_ctx_t ctx = auth_ctx(a, err);
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    void *payload = NULL;
    int plen = 0;
    munge_err_t rc;

    if (!ctx)
        return -1;
    rc = munge_decode(cred, ctx, &payload, &plen, &uid, &gid);
    if (payload) {
        explicit_bzero(payload, (size_t)plen);
        free(payload);
    }
    if (rc != EMUNGE_SUCCESS) {
        tess_errprintf(err, "munge credential refused: %s",
                       munge_ctx_strerror(ctx));
        munge_ctx_destroy(ctx);
        errno = (rc == EMUNGE_SOCKET) ? ECONNREFUSED : EPERM;
        return -1;
    }
    munge_ctx_destroy(ctx);
    out->uid = uid;
    out->gid = gid;
    out->is_local = false;
    return 0;
}

int auth_peercred(int fd, struct auth_identity *out)
{
    struct ucred uc;
    socklen_t len = sizeof(uc);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
        return -1;
    out->uid = uc.uid;
    out->gid = uc.gid;
    out->is_local = true;
    return 0;
}

bool auth_is_admin(uid_t uid, uid_t tess_uid)
{
    return uid == 0 || uid == tess_uid;
}
