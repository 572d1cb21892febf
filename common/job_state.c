/* SPDX-License-Identifier: Apache-2.0 */
/* Names for job states. */
#include "config.h"

#include "common/job_state.h"

#include <errno.h>
#include <strings.h>

static const struct {
    const char *name;
    const char *code;
} names[JOB_STATE_COUNT] = {
    [JOB_PENDING] = { "PENDING", "PD" },
    [JOB_RUNNING] = { "RUNNING", "R" },
    [JOB_COMPLETING] = { "COMPLETING", "CG" },
    [JOB_COMPLETED] = { "COMPLETED", "CD" },
    [JOB_FAILED] = { "FAILED", "F" },
    [JOB_CANCELLED] = { "CANCELLED", "CA" },
    [JOB_TIMEOUT] = { "TIMEOUT", "TO" },
    [JOB_NODE_FAIL] = { "NODE_FAIL", "NF" },
};

const char *job_state_name(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? names[s].name : "UNKNOWN";
}

const char *job_state_code(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? names[s].code : "?";
}

int job_state_parse(const char *s, enum job_state *out)
{
    for (int i = 0; i < JOB_STATE_COUNT; i++) {
        if (!strcasecmp(s, names[i].name) || !strcasecmp(s, names[i].code)) {
            *out = (enum job_state)i;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

bool job_state_is_final(enum job_state s)
{
    return s >= JOB_COMPLETED;
}
