/* SPDX-License-Identifier: Apache-2.0 */
/* The node's one connection to the controller: it connects, proves who it
 * is, registers (with the jobs it runs and the results it still holds),
 * sends heartbeats, takes launch and kill requests, and delivers job
 * results until the controller acknowledges each one. It reconnects with
 * backoff whenever the link drops. */
#ifndef TESS_NODED_CTLD_LINK_H
#define TESS_NODED_CTLD_LINK_H

struct job_result;
struct noded;

struct ctld_link *ctld_link_create(struct noded *nd);
void ctld_link_destroy(struct ctld_link *l);

/* Queue a job's result for the controller (copied). Kept until acked. */
void ctld_link_job_done(struct ctld_link *l, const struct job_result *res);

#endif
