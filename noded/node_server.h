/* SPDX-License-Identifier: Apache-2.0 */
/* tessd's own listening port (Port= on its node line, 0 for any). Today
 * it answers node.ping for operators and tests; parallel steps connect
 * here in a later issue. Its bound address goes to <SpoolDir>/tessd.addr. */
#ifndef TESS_NODED_NODE_SERVER_H
#define TESS_NODED_NODE_SERVER_H

#include <stdint.h>

struct noded;
struct tess_error;

struct node_server *node_server_create(struct noded *nd,
                                       struct tess_error *err);
void node_server_destroy(struct node_server *s);
uint16_t node_server_port(const struct node_server *s);

#endif
