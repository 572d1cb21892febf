/* SPDX-License-Identifier: Apache-2.0 */
/* Sockets: listening, connecting, and the <name>.addr files through which
 * a daemon started on port 0 tells tools where it listens. */
#ifndef TESS_COMMON_NET_H
#define TESS_COMMON_NET_H

#include <stdint.h>

struct tess_error;

/* Listen on host:port (port 0: any). Returns a non-blocking CLOEXEC fd and
 * the bound port in *bound, or -1 with errno and err. */
int net_listen_tcp(const char *host, uint16_t port, uint16_t *bound,
                   struct tess_error *err);
/* Listen on a Unix socket at 'path' (a stale socket file is replaced),
 * chmod to 'mode'. */
int net_listen_unix(const char *path, unsigned mode, struct tess_error *err);

/* Blocking connects with a timeout; the returned fd is blocking, CLOEXEC. */
int net_connect_tcp(const char *host, uint16_t port, int timeout_ms,
                    struct tess_error *err);
int net_connect_unix(const char *path, struct tess_error *err);

/* Start a non-blocking TCP connect (EINPROGRESS is success). */
int net_connect_tcp_nb(const char *host, uint16_t port,
                       struct tess_error *err);

/* Write "host port\n" to path atomically (tmp file + rename). */
int net_write_addr_file(const char *path, const char *host, uint16_t port,
                        struct tess_error *err);
/* Read it back; *host is a new string. */
int net_read_addr_file(const char *path, char **host, uint16_t *port,
                       struct tess_error *err);

#endif
