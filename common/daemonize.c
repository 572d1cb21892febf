/* SPDX-License-Identifier: Apache-2.0 */
/* The readiness pipe protocol: the child writes "ok\n" or "error: MSG\n"
 * and closes; the parent relays an error to stderr. If the child dies
 * without a word, the parent sees EOF and reports that. */
#include "config.h"

#include "common/daemonize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fd_io.h"

static void parent_wait(int rfd, pid_t child)
{
    char buf[1024];
    size_t len = 0;
    ssize_t n;

    while (len < sizeof(buf) - 1 &&
           ((n = read(rfd, buf + len, sizeof(buf) - 1 - len)) > 0 ||
            (n < 0 && errno == EINTR)))
        if (n > 0)
            len += (size_t)n;
    buf[len] = '\0';
    if (!strncmp(buf, "ok", 2))
        _exit(0);
    if (len == 0) {
        int status = 0;
        waitpid(child, &status, 0);
        fprintf(stderr, "daemon exited during startup (status %d)\n",
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    } else {
        fputs(buf, stderr);
    }
    _exit(1);
}

int daemonize_begin(void)
{
    int fds[2];
    pid_t pid;
    int null_fd;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        int saved_errno = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved_errno;
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        parent_wait(fds[0], pid);
    }
    close(fds[0]);
    setsid();
    if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
        dup2(null_fd, STDIN_FILENO);
        close(null_fd);
    }
    return fds[1];
}

void daemonize_ready(int fd)
{
    int null_fd;

    if (fd < 0)
        return;
    (void)fd_write_all(fd, "ok\n", 3);
    close(fd);
    /* From here on, logs go to the log file only. */
    if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
        dup2(null_fd, STDOUT_FILENO);
        close(null_fd);
    }
}

void daemonize_fail(int fd, const char *msg)
{
    if (fd < 0)
        return;
    (void)fd_write_all(fd, msg, strlen(msg));
    (void)fd_write_all(fd, "\n", 1);
    close(fd);
}
