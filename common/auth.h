/* SPDX-License-Identifier: Apache-2.0 */
/* Who is on the other end. TCP peers prove their uid/gid with a MUNGE
 * credential sent once, at connect (auth.hello); munged refuses replays,
 * expired and tampered credentials. Unix-socket peers are identified by
 * the kernel (SO_PEERCRED). Identity never comes from a message body.
 * The MUNGE calls are a short round trip to the local munged. */
#ifndef TESS_COMMON_AUTH_H
#define TESS_COMMON_AUTH_H

#include <stdbool.h>
#include <sys/types.h>

struct tess_error;

struct auth_identity {
    uid_t uid;
    gid_t gid;
    bool is_local; /* from SO_PEERCRED */
};

struct auth;

/* munge_socket NULL: libmunge's default socket. */
struct auth *auth_create(const char *munge_socket);
void auth_destroy(struct auth *a);

/* A new credential for the calling process (caller frees). NULL with
 * errno and err ("munge: Socket communication error (munged not running
 * at /run/munge/munge.socket.2?)") on failure. */
char *auth_cred_create(struct auth *a, struct tess_error *err);

/* Decode a credential. Refuses replayed, expired, rewound, invalid and
 * unauthorized credentials (errno EPERM, err says which). */
int auth_cred_verify(struct auth *a, const char *cred,
                     struct auth_identity *out, struct tess_error *err);

/* The kernel's view of a connected Unix socket's peer. */
int auth_peercred(int fd, struct auth_identity *out);

/* True if 'uid' is an administrator: root or the configured TessUser. */
bool auth_is_admin(uid_t uid, uid_t tess_uid);

#endif
