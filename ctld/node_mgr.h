/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's side of node daemons: registration (with reconciliation
 * of the jobs the node still runs), heartbeats, job launch and kill
 * requests over the node's link, and completion reports. */
#ifndef TESS_CTLD_NODE_MGR_H
#define TESS_CTLD_NODE_MGR_H

struct conn;
struct ctld;
struct job;
struct wire_msg;

void node_mgr_register(struct ctld *ctx, struct conn *c,
                       const struct wire_msg *req);
void node_mgr_heartbeat(struct ctld *ctx, struct conn *c,
                        const struct wire_msg *req);
void node_mgr_job_complete(struct ctld *ctx, struct conn *c,
                           const struct wire_msg *req);
/* The node's link closed. */
void node_mgr_link_closed(struct ctld *ctx, struct conn *c);

/* Send the batch script to the job's first node. On failure the job ends
 * as FAILED with the reason. */
void node_mgr_launch(struct ctld *ctx, struct job *job);
/* Ask the job's node to cancel it (SIGTERM, then SIGKILL). Returns -1 if
 * the node is not connected. */
int node_mgr_kill(struct ctld *ctx, struct job *job);

#endif
