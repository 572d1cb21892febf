/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's context: one struct, created by main.c and passed to
 * every module. Everything here lives on the event loop's thread; the only
 * other thread is the store's worker, which shares nothing but its queue. */
#ifndef TESS_CTLD_CTLD_H
#define TESS_CTLD_CTLD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct auth;
struct conf;
struct event_base;
struct job_table;
struct node_table;
struct sched;
struct server;
struct store;

struct ctld {
    struct event_base *base;
    const struct conf *conf;
    struct auth *auth;
    uid_t tess_uid;           /* TessUser: nodes and admins run as it */
    struct store *store;
    struct job_table *jobs;
    struct node_table *nodes;
    struct sched *sched;
    struct server *server;
    uint32_t next_job_id;
    bool is_stopping;         /* shutdown: lost links are not failures */
};

#endif
