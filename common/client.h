/* SPDX-License-Identifier: Apache-2.0 */
/* A blocking request/reply client for short-lived tools (the CLI). It
 * reaches the controller through its local Unix socket when it can (the
 * kernel vouches for both ends), otherwise over TCP with a MUNGE handshake
 * in which the controller proves it runs as root or TessUser. */
#ifndef TESS_COMMON_CLIENT_H
#define TESS_COMMON_CLIENT_H

#include <stdint.h>

#include <jansson.h>

struct conf;
struct tess_error;
struct client;

/* Connect to the controller named by conf. err reads like "cannot reach
 * the controller at 127.0.0.1:6917: Connection refused". */
struct client *client_connect_ctld(const struct conf *conf,
                                   struct tess_error *err);
/* Explicit transports, for tests and tools. expected_uid: the uid the
 * server must prove (or -1 for any). */
struct client *client_connect_tcp(const char *host, uint16_t port,
                                  const char *munge_socket, long expected_uid,
                                  struct tess_error *err);
struct client *client_connect_unix(const char *path, long expected_uid,
                                   struct tess_error *err);
void client_destroy(struct client *c);

/* Send op with body (stolen; NULL = {}) and wait up to timeout_ms (-1:
 * forever) for the reply. On success *reply gets the reply body (new
 * reference). An error reply returns -1 with errno mapped from its code
 * and err holding the server's text. */
int client_call(struct client *c, const char *op, json_t *body,
                json_t **reply, int timeout_ms, struct tess_error *err);

/* "127.0.0.1:6917" or the socket path: where the client is connected. */
const char *client_peer(const struct client *c);

#endif
