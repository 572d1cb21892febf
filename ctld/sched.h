/* SPDX-License-Identifier: Apache-2.0 */
/* Starting pending jobs: FIFO within each partition (the multifactor and
 * backfill scheduler is a later issue). A pass walks the pending queue in
 * submission order; the first job of a partition that does not fit blocks
 * that partition for the rest of the pass, and the pass stops early once
 * every partition is blocked, so a queue of 100,000 jobs costs little when
 * the cluster is full. Passes are coalesced: many triggers, one pass. */
#ifndef TESS_CTLD_SCHED_H
#define TESS_CTLD_SCHED_H

#include <stdbool.h>

struct ctld;
struct job;
struct partition;
struct tess_error;

struct sched *sched_create(struct ctld *ctx);
void sched_destroy(struct sched *s);

/* Ask for a pass soon (from the loop, after the current callback). */
void sched_request(struct sched *s);

/* Could the job ever run in its partition, given every node's full
 * capacity? Returns 0, or -1 with errno EINVAL and err explaining what no
 * node offers. */
int sched_validate(struct ctld *ctx, const struct job *job,
                   const struct partition *part, struct tess_error *err);

#endif
