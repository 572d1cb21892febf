/* SPDX-License-Identifier: Apache-2.0 */
/* Durable controller state in SQLite (WAL). Writes are queued from the
 * event loop and committed by one worker thread; every write queued while
 * a commit is running (or within the commit delay) shares the next
 * transaction: group commit. A write's callback runs on the event loop
 * after its transaction is durable, which is when the controller may
 * acknowledge the request that caused it. Loading happens once, at start,
 * before the loop runs. */
#ifndef TESS_CTLD_STORE_H
#define TESS_CTLD_STORE_H

#include <stdint.h>

struct event_base;
struct tess_error;
struct store;

/* rc is 0 when durable, -1 if the transaction failed (errno set to an
 * errno-style code such as ENOSPC or EIO, and a log line already written;
 * every write in that transaction fails). Runs on the event loop, in the
 * order the writes were queued. Must not call store_close. */
typedef void (*store_done_fn)(int rc, void *arg);
/* 'json' is borrowed for the duration of the call. */
typedef int (*store_row_fn)(uint32_t id, const char *json, void *arg);

/* Open or create the database at 'path' and start the worker. Schema is
 * created or checked. commit_delay_us: how long the worker waits for more
 * writes after the first arrives (0: commit at once). */
struct store *store_open(struct event_base *base, const char *path,
                         uint32_t commit_delay_us, struct tess_error *err);

/* Blocking: call fn for every saved job in id order. fn returning -1 stops
 * the walk and makes this return -1. Only before the loop runs. */
int store_load_jobs(struct store *s, store_row_fn fn, void *arg,
                    struct tess_error *err);
/* Blocking: read a meta value (NULL with errno ENOENT if absent, or
 * another errno on a read error, logged; caller frees). */
char *store_get_meta(struct store *s, const char *key);

/* Queue an upsert of job 'id' with its JSON text (copied). cb may be NULL. */
void store_put_job(struct store *s, uint32_t id, const char *json,
                   store_done_fn cb, void *arg);
void store_delete_job(struct store *s, uint32_t id, store_done_fn cb,
                      void *arg);
void store_put_meta(struct store *s, const char *key, const char *value,
                    store_done_fn cb, void *arg);

/* Blocking: wait until everything queued so far is committed. */
void store_flush(struct store *s);
/* Flush, stop the worker, close. Pending callbacks are run first. */
void store_close(struct store *s);

/* Counters for `tess show stats` and the benchmark. */
struct store_stats {
    uint64_t writes;
    uint64_t transactions;
};
void store_get_stats(const struct store *s, struct store_stats *out);

#endif
