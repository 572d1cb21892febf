/* SPDX-License-Identifier: Apache-2.0 */
/* The node daemon's context: one struct, created by main.c, passed to
 * every module. */
#ifndef TESS_NODED_NODED_H
#define TESS_NODED_NODED_H

#include <stdbool.h>
#include <stdint.h>

#include "noded/inventory.h"

struct auth;
struct conf;
struct conf_node;
struct ctld_link;
struct event_base;
struct job_runner;
struct node_server;

struct noded {
    struct event_base *base;
    const struct conf *conf;
    const struct conf_node *node_conf;
    const char *node_name;
    char *spool_dir;
    struct auth *auth;
    uid_t tess_uid;
    struct inventory inv;
    struct job_runner *runner;
    struct ctld_link *link;
    struct node_server *server;
    bool is_stopping;
};

#endif
