/* SPDX-License-Identifier: Apache-2.0 */
/* Job states and their names as Slurm users know them. */
#ifndef TESS_COMMON_JOB_STATE_H
#define TESS_COMMON_JOB_STATE_H

#include <stdbool.h>

enum job_state {
    JOB_PENDING = 0,
    JOB_RUNNING,
    JOB_COMPLETING, /* kill sent, waiting for the node to confirm */
    JOB_COMPLETED,  /* exit 0 */
    JOB_FAILED,     /* non-zero exit, killed by a signal, or launch failure */
    JOB_CANCELLED,
    JOB_TIMEOUT,
    JOB_NODE_FAIL,
    JOB_STATE_COUNT,
};

/* "PENDING", "RUNNING", ... */
const char *job_state_name(enum job_state s);
/* Slurm's compact codes: PD, R, CG, CD, F, CA, TO, NF. */
const char *job_state_code(enum job_state s);
/* Parse a name or code (case-insensitive). Returns -1 if unknown. */
int job_state_parse(const char *s, enum job_state *out);
bool job_state_is_final(enum job_state s);

#endif
