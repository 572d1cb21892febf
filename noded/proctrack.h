/* SPDX-License-Identifier: Apache-2.0 */
/* Process containers: the set of every process a job started, however
 * it forked, daemonised or called setsid, so that the job can be signalled
 * and killed as a whole and its end detected. The mechanism is chosen at
 * run time, best first:
 *
 *   cgroup2  a cgroup in a cgroup2 mount (/sys/fs/cgroup, or
 *            /sys/fs/cgroup/unified on hybrid hosts); killed with
 *            cgroup.kill where the kernel has it;
 *   freezer  a cgroup v1 freezer cgroup; killed by freezing it, signalling
 *            every task and thawing it, so nothing can fork away;
 *   pgrp     no cgroup usable (e.g. tessd not root): the job's session and
 *            process group, the descendants of its main process, and the
 *            orphans the daemon adopted as child subreaper that carry
 *            TESS_JOB_ID=<id> in their environment. A process that leaves
 *            the session and clears its environment escapes; a warning
 *            says so once.
 *
 * Cgroups live at <mount><daemon's cgroup>/tessera/<node_name>/job_<id>,
 * so many tessd on one host (one per emulated node) never collide. When a
 * cgroup v1 memory controller is writable, a job with a memory size also
 * gets a memory cgroup with memory.limit_in_bytes set (cpuset and device
 * confinement are not done here yet).
 *
 * All calls are quick file operations on cgroupfs or /proc; none waits
 * for processes to die. */
#ifndef TESS_NODED_PROCTRACK_H
#define TESS_NODED_PROCTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct tess_error;

enum proctrack_mode {
    PROCTRACK_AUTO = 0, /* for proctrack_create: the best that works */
    PROCTRACK_CGROUP2,
    PROCTRACK_FREEZER,
    PROCTRACK_PGRP,
};

struct proctrack;
struct proctrack_cont;

/* "auto", "cgroup2", "freezer", "pgrp". */
const char *proctrack_mode_name(enum proctrack_mode m);
/* Parse one of those names (NULL means auto). -1 with EINVAL if unknown. */
int proctrack_mode_parse(const char *s, enum proctrack_mode *out);

/* Set up process tracking for one tessd instance; 'node_name' (copied)
 * names its cgroup directory and must be unique among the tessd processes
 * of this host (job_runner passes "<node>-<hash of its spool dir>", since
 * two clusters on one host may both have a node 'rig1'). Leftover job
 * cgroups of a previous instance with the same name are emptied and
 * removed. With PROCTRACK_AUTO, probes cgroup2, then freezer, then falls
 * back to pgrp (logging a warning); with a specific mode, fails with
 * ENOTSUP and err saying why when that mode cannot work here. The probe
 * creates .../tessera/<node_name>. In pgrp mode the calling process
 * becomes a child subreaper. */
struct proctrack *proctrack_create(const char *node_name,
                                   enum proctrack_mode want,
                                   struct tess_error *err);
/* Remove the node's cgroup directories if empty, and free. Accepts NULL.
 * Containers must have been destroyed first. */
void proctrack_destroy(struct proctrack *pt);

enum proctrack_mode proctrack_get_mode(const struct proctrack *pt);

/* Create job 'job_id's container; a leftover one from a previous daemon
 * is reused after its processes are sent SIGKILL. 'mem_limit_mib' > 0
 * asks for a memory limit where the memory controller is usable; failing
 * to set it only logs a warning. Returns NULL with errno set and err
 * naming the path on failure. */
struct proctrack_cont *proctrack_cont_create(struct proctrack *pt,
                                             uint32_t job_id,
                                             uint64_t mem_limit_mib,
                                             struct tess_error *err);

/* Called in the forked child, after setsid() and before dropping
 * privileges or exec: move the calling process into the container.
 * Async-signal-safe (a write() on descriptors opened by
 * proctrack_cont_create, which are close-on-exec). Returns 0, or -1 with
 * errno set. */
int proctrack_cont_join_self(const struct proctrack_cont *c);

/* Tell the container the pid of the job's main process, which calls
 * setsid() first thing, so the pid also names the job's session and
 * process group. Call in the parent right after fork(), before anything
 * may signal the job: it moves the child into its cgroups from the parent
 * too, so the container holds the child even before the child's own
 * proctrack_cont_join_self(). Errors are ignored (the child reports its
 * own join failure). */
void proctrack_cont_set_leader(struct proctrack_cont *c, pid_t pid);

/* The main process has been reaped: its pid may be recycled, so stop
 * matching it (pgrp mode); its session and group id stay valid, as the
 * kernel does not recycle a pid still used as one. */
void proctrack_cont_leader_reaped(struct proctrack_cont *c);

/* Send 'sig' to every process in the container. SIGKILL is delivered so
 * that a forking process cannot escape (cgroup.kill, or freeze-kill-thaw).
 * Returns the number of processes signalled (cgroup.kill counts as 1 when
 * the cgroup was populated), or -1 with errno set if the container could
 * not be read. */
int proctrack_cont_signal(struct proctrack_cont *c, int sig);

/* True when no live process is left in the container (zombies do not
 * count). */
bool proctrack_cont_is_empty(struct proctrack_cont *c);

/* Remove the container's cgroups (rmdir; a cgroup that still holds
 * processes is left behind with a warning) and free it. Accepts NULL;
 * keeps errno. */
void proctrack_cont_destroy(struct proctrack_cont *c);

#endif
