/* SPDX-License-Identifier: Apache-2.0 */
/* Job lifecycle in the controller: admission (validation, id, durable
 * record before the acknowledgement), state changes, cancellation, the end
 * of a job, and clients waiting for it. Every state change is persisted. */
#ifndef TESS_CTLD_JOB_MGR_H
#define TESS_CTLD_JOB_MGR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/job_state.h"

struct conn;
struct ctld;
struct job;
struct job_desc;
struct tess_error;
struct wire_msg;

/* Handle job.submit: validate 'jd' (ownership taken), then reply with the
 * job id once the job is durable. Errors are replied to the client. */
void job_mgr_submit(struct ctld *ctx, struct conn *c,
                    const struct wire_msg *req, struct job_desc *jd);

/* Cancel on behalf of uid (must own the job or be admin). Pending jobs end
 * at once; running ones are killed on their node. Returns 0 or -1 with
 * errno (ENOENT, EPERM, EINVAL if already finished) and err. */
int job_mgr_cancel(struct ctld *ctx, uint32_t job_id, uid_t uid,
                   struct tess_error *err);

/* A job ends: record state, release its resources, persist, answer its
 * waiters, and schedule. saved_cb (may be NULL) runs once the final record
 * is durable. */
void job_mgr_finish(struct ctld *ctx, struct job *job, enum job_state state,
                    int exit_code, int term_signal, const char *reason,
                    void (*saved_cb)(int rc, void *arg), void *arg);

/* Write job's current record to the store (cb may be NULL). */
void job_mgr_save(struct ctld *ctx, struct job *job,
                  void (*cb)(int rc, void *arg), void *arg);

/* Handle job.wait: reply now if the job has ended, else when it does. */
void job_mgr_wait(struct ctld *ctx, struct conn *c, const struct wire_msg *req,
                  uint32_t job_id);

/* Rebuild jobs from the store at start. Returns 0 or -1 with err. */
int job_mgr_load(struct ctld *ctx, struct tess_error *err);

#endif
