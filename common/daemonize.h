/* SPDX-License-Identifier: Apache-2.0 */
/* Backgrounding with a readiness pipe: the launching process exits 0 only
 * once the daemon says it is ready (listening), or prints the daemon's
 * startup error and exits 1. Tools and tests never sleep-and-hope. */
#ifndef TESS_COMMON_DAEMONIZE_H
#define TESS_COMMON_DAEMONIZE_H

/* Fork. The parent waits on the pipe and exits; the child returns the
 * write end (>= 0), starts a new session and redirects stdin to
 * /dev/null. Returns -1 with errno if fork or pipe fail (in the caller). */
int daemonize_begin(void);

/* Tell the parent we are ready; closes fd. fd < 0 is a no-op (foreground
 * mode), so callers need no branches. */
void daemonize_ready(int fd);

/* Tell the parent why we could not start (one line); closes fd. */
void daemonize_fail(int fd, const char *msg);

#endif
