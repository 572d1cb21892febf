/* SPDX-License-Identifier: Apache-2.0 */
/* Runs batch jobs on this node: forks the script as the submitting user
 * inside its own process container (proctrack), wires its output files and
 * environment, enforces its time limit, and kills its whole process tree on
 * request. Completion is reported through the callback from the event
 * loop; the runner never blocks the loop. It owns SIGCHLD handling for the
 * daemon: it reaps every child of the process (waitpid(-1)) and makes the
 * daemon a child subreaper, so that a job's orphans are reaped here too.
 * No other module may fork children and wait for them itself. */
#ifndef TESS_NODED_JOB_RUNNER_H
#define TESS_NODED_JOB_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/job_state.h"

struct event_base;
struct job_launch;
struct tess_error;

/* How a job ended, as reported to the controller. */
struct job_result {
    uint32_t job_id;
    enum job_state state; /* COMPLETED, FAILED, CANCELLED, TIMEOUT */
    int exit_code;        /* exit status of the script, 0..255; a launch
                           * failure exits 1 (126/127 when exec fails) */
    int term_signal;      /* signal that killed it, 0 if none */
    char reason[256];     /* "" when COMPLETED, else e.g. "exit code 3",
                           * "killed by signal 9 (Killed)", "cancelled",
                           * "launch failed: chdir /x: No such file or
                           * directory"; "; processes survived SIGKILL"
                           * is appended when some could not be killed */
};

typedef void (*job_runner_done_fn)(const struct job_result *res, void *arg);

struct job_runner_params {
    const char *node_name;
    const char *spool_dir; /* per-node state, exists; job users need
                            * search (x) permission on it */
    uint32_t kill_wait_s;  /* SIGTERM to SIGKILL grace */
    const char *node_addr; /* for TESS_NODE_ADDR; may be NULL */
    /* Process tracking: "cgroup2", "freezer" or "pgrp" forces one (and
     * job_runner_create fails if it cannot work here); NULL or "auto"
     * picks the best available (see proctrack.h). */
    const char *proctrack;
    /* How long one minute of a job's time limit lasts, in milliseconds;
     * 0 means 60000. Only tests set it, so that a 1-minute limit can
     * expire in a fraction of a second. */
    uint32_t minute_ms;
};

/* Create the runner (strings in 'p' are copied). Sets up process
 * tracking (proctrack) for p->node_name and a SIGCHLD event on 'base'.
 * 'done' is called from the loop, once per started job, after the job's
 * processes are gone and its container and spool directory are removed;
 * it may call job_runner_start/cancel/signal but not job_runner_destroy.
 * Returns NULL with errno (EINVAL, ENOENT for a missing spool_dir,
 * ENOTSUP for a forced proctrack mode that cannot work) and err set. */
struct job_runner *job_runner_create(struct event_base *base,
                                     const struct job_runner_params *p,
                                     job_runner_done_fn done, void *arg,
                                     struct tess_error *err);
/* Kills every running job (node shutdown), reaps them, frees. The done
 * callback is not called. Blocks until the jobs' processes are dead (it is
 * the only call that waits). Accepts NULL. */
void job_runner_destroy(struct job_runner *r);

/* Start a job. The runner copies what it needs; 'l' may be freed on
 * return. Writes the script to <spool_dir>/job_<id>/script, creates the
 * job's process container and forks. Fails with EEXIST if the job already
 * runs here, EPERM if the daemon cannot act as l->uid (tessd not root and
 * l->uid is not its own uid), EINVAL for a launch without a script, or
 * the errno of a failed spool write, cgroup creation or fork. A failure
 * inside the child (chdir, open of the output file, exec) is not a -1
 * here: it is reported through 'done' as FAILED with the reason (e.g.
 * "launch failed: chdir /x: No such file or directory"). Does local file
 * I/O and a passwd lookup, nothing that waits on another process. */
int job_runner_start(struct job_runner *r, const struct job_launch *l,
                     struct tess_error *err);

/* Cancel: SIGCONT and SIGTERM to every process of the job, SIGKILL after
 * kill_wait_s; reported as CANCELLED. Cancelling a job that is already
 * being killed (cancel, time limit) or that has ended changes nothing.
 * -1 with ENOENT if unknown. */
int job_runner_cancel(struct job_runner *r, uint32_t job_id);

/* Deliver 'sig' to every process of the job without ending it. -1 with
 * ENOENT if unknown, EINVAL for a bad signal number. */
int job_runner_signal(struct job_runner *r, uint32_t job_id, int sig);

bool job_runner_has(const struct job_runner *r, uint32_t job_id);
/* The process tracking in use: "cgroup2", "freezer" or "pgrp". */
const char *job_runner_proctrack(const struct job_runner *r);
/* Call fn for each running job id (for re-registration). */
void job_runner_foreach(const struct job_runner *r,
                        void (*fn)(uint32_t job_id, void *arg), void *arg);

#endif
