/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's listeners (TCP with MUNGE, and the local Unix socket)
 * and the set of open connections, so that shutdown can close them all. */
#ifndef TESS_CTLD_SERVER_H
#define TESS_CTLD_SERVER_H

#include <sys/queue.h>

struct conn;
struct ctld;
struct node;
struct tess_error;

/* Per-connection data (conn_get_data). 'node' is set once a node daemon
 * registers on this connection. */
struct server_peer {
    TAILQ_ENTRY(server_peer) link;
    struct conn *conn;
    struct node *node;
};

/* Listen on ControlHost:ControlPort and ControlSocket; write
 * <StateDir>/tessctld.addr. */
struct server *server_create(struct ctld *ctx, struct tess_error *err);
/* Close the listeners and every connection. */
void server_destroy(struct server *s);

#endif
