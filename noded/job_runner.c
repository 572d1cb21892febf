/* SPDX-License-Identifier: Apache-2.0 */
/* The node daemon's job execution engine. The idea to read it by: a job
 * is a small state machine driven only by events. job_runner_start does
 * all the work that allocates or looks things up, then forks a child that
 * runs a fixed list of async-signal-safe steps (child_run) and reports a
 * failing step through a close-on-exec pipe. From then on, libevent
 * callbacks move the job along: the time limit and cancel send SIGTERM
 * and arm a SIGKILL timer; SIGCHLD reaps the main process and activates
 * the job's end event, which SIGKILLs what is left in the container and
 * polls until it is empty; then the job is torn down and 'done' is called.
 * Jobs are found by id and by main pid through two small hash tables. */
#include "config.h"

#include "noded/job_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/error.h"
#include "common/fd_io.h"
#include "common/job_desc.h"
#include "common/job_launch.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"
#include "noded/job_env.h"
#include "noded/output_path.h"
#include "noded/proctrack.h"

#define RUNNER_BUCKETS       256 /* per table; a node runs hundreds of jobs */
#define END_POLL_FIRST_MS    10  /* first wait for a SIGKILLed container */
#define END_POLL_MAX_MS      500
#define UNKILLABLE_TIMEOUT_S 60 /* then report the job anyway */
#define SCRIPT_NAME          "script"

/* What a child whose setup failed tells the parent. Smaller than
 * PIPE_BUF, so it is written atomically. */
struct child_msg {
    int err;        /* errno of the failing step */
    char step[24];  /* "chdir", "open stdout", "exec", ... */
    char arg[1024]; /* the path or value it failed on; may be "" */
};

enum end_cause {
    END_NONE = 0,
    END_CANCEL,
    END_TIMEOUT,
};

struct job_run {
    LIST_ENTRY(job_run) id_link;
    LIST_ENTRY(job_run) pid_link;
    struct job_runner *r;
    uint32_t job_id;
    uint32_t uid;
    uint32_t time_limit_min;
    pid_t pid;
    bool in_pid_table;
    struct proctrack_cont *cont;
    char *spool_dir; /* <spool_dir>/job_<id> */
    char *script_path;

    int err_fd; /* read end of the child's report pipe */
    struct event *err_ev;
    struct child_msg msg;
    size_t msg_len;

    struct event *limit_ev; /* time limit */
    struct event *kill_ev;  /* SIGKILL after kill_wait_s */
    struct event *end_ev;   /* main exited: kill the rest, poll, finish */
    enum end_cause cause;
    bool has_exited; /* main pid reaped; 'status' is valid */
    bool is_ending;  /* end_ev ran once */
    int status;
    uint32_t poll_ms;
    struct timespec end_deadline;
};

LIST_HEAD(job_list, job_run);

struct job_runner {
    struct event_base *base;
    char *node_name;
    char *node_addr;
    char *spool_dir;
    uint32_t kill_wait_s;
    uint32_t minute_ms;
    job_runner_done_fn done;
    void *arg;
    struct proctrack *pt;
    struct event *sigchld_ev;
    struct job_list by_id[RUNNER_BUCKETS];
    struct job_list by_pid[RUNNER_BUCKETS];
};

/* Everything the child needs, prepared by the parent so that the child
 * only makes system calls. */
struct child_plan {
    int err_fd;
    const struct proctrack_cont *cont;
    bool is_root;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    const char *work_dir;
    const char *in_path;
    const char *out_path;
    const char *err_path; /* NULL: stderr goes with stdout */
    int out_flags;
    const char *exec_path;
    char *interp; /* the "#!" interpreter, for messages; may be NULL */
    char **argv;
    char **envp;
};

/* ------------------------------------------------------------- tables */

static size_t bucket_of(uint32_t key)
{
    return (key * 2654435761u) >> 24; /* top 8 bits: 0..255 */
}

static struct job_run *job_find(const struct job_runner *r, uint32_t job_id)
{
    struct job_run *j;

    LIST_FOREACH (j, &r->by_id[bucket_of(job_id)], id_link)
        if (j->job_id == job_id)
            return j;
    return NULL;
}

static struct job_run *job_find_pid(const struct job_runner *r, pid_t pid)
{
    struct job_run *j;

    LIST_FOREACH (j, &r->by_pid[bucket_of((uint32_t)pid)], pid_link)
        if (j->pid == pid)
            return j;
    return NULL;
}

static void job_unlink_pid(struct job_run *j)
{
    if (j->in_pid_table) {
        LIST_REMOVE(j, pid_link);
        j->in_pid_table = false;
    }
}

/* ------------------------------------------------------------ the child */

/* Bounded copy that is async-signal-safe (no locale, no allocation). */
static void child_copy(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src && src[i] && i + 1 < size; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

static void __attribute__((noreturn))
child_fail(const struct child_plan *p, const char *step, const char *arg,
           int code)
{
    struct child_msg msg;

    memset(&msg, 0, sizeof(msg));
    msg.err = errno;
    child_copy(msg.step, sizeof(msg.step), step);
    child_copy(msg.arg, sizeof(msg.arg), arg);
    (void)!write(p->err_fd, &msg, sizeof(msg));
    _exit(code);
}

/* Keep fds 0-2 free for the job's stdio. */
static int child_move_high(int fd)
{
    int nfd;

    if (fd < 0 || fd > 2)
        return fd;
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static int child_open(const char *path, int flags)
{
    return child_move_high(open(path, flags | O_CLOEXEC, 0644));
}

static void child_reset_signals(void)
{
    struct sigaction sa;
    sigset_t none;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &sa, NULL); /* EINVAL for glibc's own */
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Mark every inherited descriptor close-on-exec, so the job gets only its
 * stdio whatever other modules forgot to flag. */
static void child_cloexec_all(void)
{
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    for (int fd = 3; fd < 65536; fd++)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void __attribute__((noreturn)) child_run(struct child_plan *p)
{
    int in_fd = -1;
    int out_fd = -1;
    int err_fd = -1;

    p->err_fd = child_move_high(p->err_fd);
    if (setsid() < 0)
        child_fail(p, "setsid", "", 1);
    if (proctrack_cont_join_self(p->cont) < 0)
        child_fail(p, "join process container", "", 1);
    child_reset_signals();
    child_cloexec_all();
    if (p->is_root) {
        if (setgroups((size_t)p->ngroups, p->groups) < 0)
            child_fail(p, "setgroups", "", 1);
        if (setgid(p->gid) < 0)
            child_fail(p, "setgid", "", 1);
        if (setuid(p->uid) < 0)
            child_fail(p, "setuid", "", 1);
        if (p->uid != 0 && setuid(0) == 0) {
            errno = EPERM;
            child_fail(p, "drop privileges", "setuid(0) still works", 1);
        }
    }
    if (chdir(p->work_dir) < 0)
        child_fail(p, "chdir", p->work_dir, 1);
    if ((in_fd = child_open(p->in_path, O_RDONLY)) < 0)
        child_fail(p, "open stdin", p->in_path, 1);
    if ((out_fd = child_open(p->out_path, p->out_flags)) < 0)
        child_fail(p, "open stdout", p->out_path, 1);
    if (p->err_path && (err_fd = child_open(p->err_path, p->out_flags)) < 0)
        child_fail(p, "open stderr", p->err_path, 1);
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd >= 0 ? err_fd : out_fd, STDERR_FILENO) < 0)
        child_fail(p, "dup2", "", 1);
    execve(p->exec_path, p->argv, p->envp);
    /* ENOENT for a script that exists means its interpreter is missing. */
    if (errno == ENOENT && p->interp && access(p->exec_path, F_OK) == 0) {
        errno = ENOENT;
        child_fail(p, "exec interpreter", p->interp, 127);
    }
    child_fail(p, "exec", p->exec_path,
               errno == ENOENT   ? 127
               : errno == EACCES ? 126
                                 : 1);
}

/* ---------------------------------------------------------- end of jobs */

static void job_terminate(struct job_run *j);
static void runner_reap(struct job_runner *r);

/* Read the child's report. Returns true once the pipe is closed. */
static bool job_read_report(struct job_run *j)
{
    while (j->err_fd >= 0) {
        ssize_t n;
        char discard[256];
        if (j->msg_len < sizeof(j->msg))
            n = read(j->err_fd, (char *)&j->msg + j->msg_len,
                     sizeof(j->msg) - j->msg_len);
        else
            n = read(j->err_fd, discard, sizeof(discard));
        if (n > 0) {
            if (j->msg_len < sizeof(j->msg))
                j->msg_len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n < 0)
            log_warning_errno("job %u: read of launch report", j->job_id);
        if (j->err_ev)
            event_del(j->err_ev);
        close(j->err_fd);
        j->err_fd = -1;
    }
    return true;
}

static void job_report_cb(evutil_socket_t fd, short what, void *arg)
{
    struct job_run *j = arg;

    if (job_read_report(j) && j->msg_len == 0)
        log_debug("job %u: script executed", j->job_id);
}

static void job_spool_remove(struct job_run *j)
{
    if (j->script_path && unlink(j->script_path) < 0 && errno != ENOENT)
        log_warning_errno("job %u: cannot remove %s", j->job_id,
                          j->script_path);
    if (j->spool_dir && rmdir(j->spool_dir) < 0 && errno != ENOENT)
        log_warning_errno("job %u: cannot remove %s", j->job_id, j->spool_dir);
}

/* Free a job that is no longer in either table. */
static void job_free(struct job_run *j)
{
    if (!j)
        return;
    if (j->err_ev)
        event_free(j->err_ev);
    if (j->err_fd >= 0)
        close(j->err_fd);
    if (j->limit_ev)
        event_free(j->limit_ev);
    if (j->kill_ev)
        event_free(j->kill_ev);
    if (j->end_ev)
        event_free(j->end_ev);
    proctrack_cont_destroy(j->cont);
    job_spool_remove(j);
    free(j->spool_dir);
    free(j->script_path);
    free(j);
}

/* "launch failed: chdir /x: No such file or directory". A path too long
 * for the reason loses its middle, so that the errno text stays. */
static void launch_reason(const struct child_msg *m, char *out, size_t size)
{
    const char *errstr = strerror(m->err);
    int arg_len = (int)strnlen(m->arg, sizeof(m->arg));
    int room = (int)size - 1 - (int)strlen("launch failed: ") -
               (int)strnlen(m->step, sizeof(m->step)) - 1 - (int)strlen(": ") -
               (int)strlen(errstr);
    int n;

    if (arg_len <= room || room < 8)
        n = snprintf(out, size, "launch failed: %.*s%s%.*s: %s",
                     (int)sizeof(m->step), m->step, arg_len ? " " : "", arg_len,
                     m->arg, errstr);
    else
        n = snprintf(out, size, "launch failed: %.*s %.*s...%s: %s",
                     (int)sizeof(m->step), m->step, room / 2 - 2, m->arg,
                     m->arg + arg_len - (room - room / 2 - 1), errstr);
    if (n < 0)
        out[0] = '\0';
}

static void job_result_fill(const struct job_run *j, bool is_unkillable,
                            struct job_result *res)
{
    memset(res, 0, sizeof(*res));
    res->job_id = j->job_id;
    if (WIFEXITED(j->status))
        res->exit_code = WEXITSTATUS(j->status);
    else if (WIFSIGNALED(j->status))
        res->term_signal = WTERMSIG(j->status);

    if (j->cause == END_CANCEL) {
        res->state = JOB_CANCELLED;
        snprintf(res->reason, sizeof(res->reason), "cancelled");
    } else if (j->cause == END_TIMEOUT) {
        res->state = JOB_TIMEOUT;
        snprintf(res->reason, sizeof(res->reason),
                 "time limit of %" PRIu32 " min reached", j->time_limit_min);
    } else if (j->msg_len >= sizeof(j->msg)) {
        res->state = JOB_FAILED;
        launch_reason(&j->msg, res->reason, sizeof(res->reason));
    } else if (res->term_signal) {
        res->state = JOB_FAILED;
        snprintf(res->reason, sizeof(res->reason), "killed by signal %d (%s)",
                 res->term_signal, strsignal(res->term_signal));
    } else if (res->exit_code != 0) {
        res->state = JOB_FAILED;
        snprintf(res->reason, sizeof(res->reason), "exit code %d",
                 res->exit_code);
    } else {
        res->state = JOB_COMPLETED;
    }
    if (is_unkillable) {
        size_t len = strlen(res->reason);
        snprintf(res->reason + len, sizeof(res->reason) - len,
                 "%sprocesses survived SIGKILL", len ? "; " : "");
    }
}

/* The job is over: tear it down, then tell the owner. The job is gone
 * from the tables before 'done' runs, so 'done' may start it again. */
static void job_finish(struct job_run *j, bool is_unkillable)
{
    struct job_runner *r = j->r;
    struct job_result res;
    char *reason = NULL;

    job_result_fill(j, is_unkillable, &res);
    LIST_REMOVE(j, id_link);
    job_unlink_pid(j);
    if (res.state == JOB_COMPLETED) {
        log_info("job %u: completed", j->job_id);
    } else {
        reason = str_escape(res.reason, sizeof(res.reason));
        log_info("job %u: %s: %s (exit %d:%d)", j->job_id,
                 job_state_name(res.state), reason, res.exit_code,
                 res.term_signal);
        free(reason);
    }
    job_free(j);
    r->done(&res, r->arg);
}

static bool deadline_passed(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Runs once the main process is reaped, and again every poll interval
 * until nothing of the job is left. */
static void job_end_cb(evutil_socket_t fd, short what, void *arg)
{
    struct job_run *j = arg;
    struct timeval tv;

    if (!j->is_ending) {
        j->is_ending = true;
        event_del(j->limit_ev);
        event_del(j->kill_ev);
        (void)job_read_report(j); /* the child is dead: EOF is there */
        j->poll_ms = END_POLL_FIRST_MS;
        clock_gettime(CLOCK_MONOTONIC, &j->end_deadline);
        j->end_deadline.tv_sec += UNKILLABLE_TIMEOUT_S;
    }
    if (proctrack_cont_signal(j->cont, SIGKILL) < 0)
        log_debug("job %u: kill leftovers: %s", j->job_id, strerror(errno));
    /* Orphans the daemon adopted die as its children: reap them now, so
     * that when 'done' runs none of the job's pids is left even as a
     * zombie, if it can be helped. */
    runner_reap(j->r);
    if (proctrack_cont_is_empty(j->cont)) {
        job_finish(j, false);
        return;
    }
    if (deadline_passed(&j->end_deadline)) {
        log_error("job %u: processes survive SIGKILL after %d s; giving up",
                  j->job_id, UNKILLABLE_TIMEOUT_S);
        job_finish(j, true);
        return;
    }
    tv.tv_sec = j->poll_ms / 1000;
    tv.tv_usec = (j->poll_ms % 1000) * 1000;
    event_add(j->end_ev, &tv);
    j->poll_ms =
        j->poll_ms * 2 > END_POLL_MAX_MS ? END_POLL_MAX_MS : j->poll_ms * 2;
}

/* Collect every child that has exited; job mains go on to job_end_cb
 * through the event loop, never synchronously. */
static void runner_reap(struct job_runner *r)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct job_run *j = job_find_pid(r, pid);
        if (!j) {
            log_debug("reaped process %d (a job's orphan)", (int)pid);
            continue;
        }
        job_unlink_pid(j);
        proctrack_cont_leader_reaped(j->cont);
        j->status = status;
        j->has_exited = true;
        event_active(j->end_ev, EV_TIMEOUT, 0);
    }
}

static void sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
    runner_reap(arg);
}

/* Signal every process of the job, each once. The container holds the
 * main process from the moment fork returns (proctrack_cont_set_leader),
 * so a signal sent before the child has run its setup is not lost: the
 * child blocks signals until it has reset their handlers. */
static int job_signal(struct job_run *j, int sig)
{
    return proctrack_cont_signal(j->cont, sig) < 0 ? -1 : 0;
}

static void job_kill_cb(evutil_socket_t fd, short what, void *arg)
{
    struct job_run *j = arg;

    log_verbose("job %u: still running %u s after SIGTERM, sending SIGKILL",
                j->job_id, j->r->kill_wait_s);
    if (job_signal(j, SIGKILL) < 0)
        log_warning_errno("job %u: SIGKILL", j->job_id);
}

/* SIGTERM everything now, SIGKILL after kill_wait_s. */
static void job_terminate(struct job_run *j)
{
    struct timeval tv = { (time_t)j->r->kill_wait_s, 0 };

    (void)job_signal(j, SIGCONT);
    if (job_signal(j, SIGTERM) < 0)
        log_warning_errno("job %u: SIGTERM", j->job_id);
    event_add(j->kill_ev, &tv);
}

static void job_limit_cb(evutil_socket_t fd, short what, void *arg)
{
    struct job_run *j = arg;

    if (j->cause != END_NONE || j->is_ending || j->has_exited)
        return;
    log_info("job %u: time limit of %" PRIu32 " min reached", j->job_id,
             j->time_limit_min);
    j->cause = END_TIMEOUT;
    job_terminate(j);
}

/* ------------------------------------------------------------ starting */

/* Create <spool_dir>/job_<id>/script, readable and executable by the job
 * user only. The directory is the daemon's (mode 0711 when root), so the
 * user can run the script but not leave files that would block its
 * removal. */
static int job_write_script(struct job_run *j, const struct job_launch *l,
                            bool is_root, struct tess_error *err)
{
    const char *what = NULL;
    int fd = -1;
    int saved_errno;

    j->spool_dir = xasprintf("%s/job_%" PRIu32, j->r->spool_dir, j->job_id);
    j->script_path = xasprintf("%s/%s", j->spool_dir, SCRIPT_NAME);
    what = j->spool_dir;
    if (mkdir(j->spool_dir, is_root ? 0711 : 0700) < 0) {
        if (errno != EEXIST)
            goto fail;
        /* Left by a daemon that died: ours to clean. */
        log_warning("job %u: removing stale %s", j->job_id, j->spool_dir);
        if ((unlink(j->script_path) < 0 && errno != ENOENT) ||
            rmdir(j->spool_dir) < 0 ||
            mkdir(j->spool_dir, is_root ? 0711 : 0700) < 0)
            goto fail;
    }
    if (chmod(j->spool_dir, is_root ? 0711 : 0700) < 0)
        goto fail;
    what = j->script_path;
    fd = open(j->script_path,
              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
    if (fd < 0 || fd_write_all(fd, l->script, strlen(l->script)) < 0 ||
        fchmod(fd, 0700) < 0 ||
        (is_root && fchown(fd, (uid_t)l->uid, (gid_t)l->gid) < 0))
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    saved_errno = errno;
    tess_errprintf(err, "job %" PRIu32 ": %s: %s", j->job_id, what,
                   strerror(saved_errno));
    if (fd >= 0)
        close(fd);
    job_spool_remove(j);
    errno = saved_errno;
    return -1;
}

/* The job user's passwd entry, copied into 'buf' (freed by the caller).
 * NULL if the uid has none: the job then runs with its numeric ids. */
static struct passwd *lookup_user(uid_t uid, struct passwd *pw, char **buf)
{
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    struct passwd *result = NULL;
    size_t len = size > 0 ? (size_t)size : 16384;
    int rc;

    for (;;) {
        *buf = xrealloc(*buf, len);
        rc = getpwuid_r(uid, pw, *buf, len, &result);
        if (rc != ERANGE || len >= (1u << 20))
            break;
        len *= 2;
    }
    return rc == 0 ? result : NULL;
}

/* The supplementary groups of 'name' plus 'gid' (initgroups' list,
 * computed here because the NSS lookup must not run in the child). */
static gid_t *lookup_groups(const char *name, gid_t gid, int *count)
{
    int n = 32;
    gid_t *groups = NULL;

    if (!name) {
        groups = xmalloc(sizeof(gid_t));
        groups[0] = gid;
        *count = 1;
        return groups;
    }
    for (;;) {
        int want = n;
        groups = xreallocarray(groups, (size_t)n, sizeof(gid_t));
        if (getgrouplist(name, gid, groups, &want) >= 0) {
            *count = want;
            return groups;
        }
        if (want <= n || want > 65536) { /* lookup failed: own group only */
            groups[0] = gid;
            *count = 1;
            return groups;
        }
        n = want;
    }
}

/* The interpreter a "#!" line names, or NULL. */
static char *script_interp(const char *script)
{
    const char *p = script + 2;
    size_t len;

    if (script[0] != '#' || script[1] != '!')
        return NULL;
    p += strspn(p, " \t");
    len = strcspn(p, " \t\r\n");
    return len ? xstrndup(p, len) : NULL;
}

/* argv for execve: the script itself if it names an interpreter, else
 * /bin/sh reading it. */
static char **build_argv(const struct job_launch *l, const char *script,
                         const char **exec_path)
{
    bool has_shebang = l->script[0] == '#' && l->script[1] == '!';
    size_t nargs = 0;
    char **argv = NULL;
    size_t k = 0;

    for (size_t i = 0; l->argv && l->argv[i]; i++)
        nargs++;
    argv = xcalloc(nargs + 3, sizeof(char *));
    if (!has_shebang)
        argv[k++] = xstrdup("/bin/sh");
    argv[k++] = xstrdup(script);
    for (size_t i = 0; i < nargs; i++)
        argv[k++] = xstrdup(l->argv[i]);
    *exec_path = has_shebang ? script : "/bin/sh";
    return argv;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int job_check_user(const struct job_launch *l, bool is_root,
                          struct tess_error *err)
{
    if (is_root || (uid_t)l->uid == getuid())
        return 0;
    errno = EPERM;
    return tess_errprintf(err,
                          "job %" PRIu32 ": cannot run as uid %" PRIu32
                          ": tessd is not running as root",
                          l->job_id, l->uid);
}

static void job_arm_limit(struct job_run *j)
{
    uint64_t ms;
    struct timeval tv;

    if (j->time_limit_min == 0 || j->time_limit_min == JOB_TIME_INFINITE ||
        j->time_limit_min == JOB_TIME_UNSET)
        return;
    ms = (uint64_t)j->time_limit_min * j->r->minute_ms;
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    event_add(j->limit_ev, &tv);
}

int job_runner_start(struct job_runner *r, const struct job_launch *l,
                     struct tess_error *err)
{
    bool is_root = geteuid() == 0;
    struct job_run *j = NULL;
    struct passwd pwbuf;
    struct passwd *pw = NULL;
    char *pw_strings = NULL;
    struct child_plan plan;
    struct output_path_ctx octx;
    char *out_path = NULL;
    char *err_path = NULL;
    char *in_path = NULL;
    char *name = NULL;
    int pipefd[2] = { -1, -1 };
    sigset_t all, old;
    pid_t pid;
    int rc = -1;

    memset(&plan, 0, sizeof(plan));
    if (!l || !l->script || !l->script[0]) {
        errno = EINVAL;
        return tess_errprintf(err, "job %" PRIu32 ": no script",
                              l ? l->job_id : 0);
    }
    if (job_find(r, l->job_id)) {
        errno = EEXIST;
        return tess_errprintf(err, "job %" PRIu32 ": already running here",
                              l->job_id);
    }
    if (job_check_user(l, is_root, err) < 0)
        return -1;

    j = xcalloc(1, sizeof(*j));
    j->r = r;
    j->job_id = l->job_id;
    j->uid = l->uid;
    j->time_limit_min = l->time_limit_min;
    j->err_fd = -1;
    pw = lookup_user((uid_t)l->uid, &pwbuf, &pw_strings);

    if (job_write_script(j, l, is_root, err) < 0)
        goto out;
    if (!(j->cont = proctrack_cont_create(r->pt, l->job_id, l->mem_mib, err)))
        goto out;

    octx.job_id = l->job_id;
    octx.job_name = l->job_name;
    octx.user_name = l->user_name ? l->user_name : pw ? pw->pw_name : NULL;
    octx.node_name = r->node_name;
    octx.node_index = l->node_index;
    octx.work_dir = l->work_dir ? l->work_dir : pw ? pw->pw_dir : "/";
    out_path = output_path_expand(l->std_out, &octx);
    if (l->std_err) {
        err_path = output_path_expand(l->std_err, &octx);
        if (!strcmp(err_path, out_path))
            XFREE(err_path);
    }
    in_path =
        l->std_in ? output_path_expand(l->std_in, &octx) : xstrdup("/dev/null");

    plan.cont = j->cont;
    plan.is_root = is_root;
    plan.uid = (uid_t)l->uid;
    plan.gid = (gid_t)l->gid;
    if (is_root)
        plan.groups = lookup_groups(pw ? pw->pw_name : l->user_name, plan.gid,
                                    &plan.ngroups);
    plan.work_dir = octx.work_dir;
    plan.in_path = in_path;
    plan.out_path = out_path;
    plan.err_path = err_path;
    plan.out_flags = O_WRONLY | O_CREAT |
                     (l->open_mode == JOB_OPEN_APPEND ? O_APPEND : O_TRUNC);
    plan.argv = build_argv(l, j->script_path, &plan.exec_path);
    plan.interp = script_interp(l->script);
    plan.envp = job_env_build(l, r->node_name, r->node_addr, pw);

    if (pipe2(pipefd, O_CLOEXEC) < 0 ||
        fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
        tess_errprintf(err, "job %" PRIu32 ": pipe: %s", l->job_id,
                       strerror(errno));
        goto out;
    }
    j->err_fd = pipefd[0];
    pipefd[0] = -1;
    plan.err_fd = pipefd[1];
    j->err_ev =
        event_new(r->base, j->err_fd, EV_READ | EV_PERSIST, job_report_cb, j);
    j->limit_ev = evtimer_new(r->base, job_limit_cb, j);
    j->kill_ev = evtimer_new(r->base, job_kill_cb, j);
    j->end_ev = evtimer_new(r->base, job_end_cb, j);
    if (!j->err_ev || !j->limit_ev || !j->kill_ev || !j->end_ev) {
        errno = ENOMEM;
        tess_errprintf(err, "job %" PRIu32 ": cannot create events", l->job_id);
        goto out;
    }

    /* Block signals across fork so that no handler of the daemon runs in
     * the child before it resets them. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        child_run(&plan);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        tess_errprintf(err, "job %" PRIu32 ": fork: %s", l->job_id,
                       strerror(errno));
        goto out;
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    j->pid = pid;
    proctrack_cont_set_leader(j->cont, pid);

    event_add(j->err_ev, NULL);
    job_arm_limit(j);
    LIST_INSERT_HEAD(&r->by_id[bucket_of(j->job_id)], j, id_link);
    LIST_INSERT_HEAD(&r->by_pid[bucket_of((uint32_t)pid)], j, pid_link);
    j->in_pid_table = true;

    name = str_escape(l->job_name ? l->job_name : "", 64);
    log_info("job %u: started '%s' as uid %u on %s (pid %d, %s)", j->job_id,
             name, j->uid, r->node_name, (int)pid,
             proctrack_mode_name(proctrack_get_mode(r->pt)));
    j = NULL;
    rc = 0;
out:
    if (rc < 0) {
        int saved_errno = errno;
        job_free(j);
        errno = saved_errno;
    }
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    free(plan.groups);
    free(plan.interp);
    free_strv(plan.argv);
    job_env_free(plan.envp);
    free(out_path);
    free(err_path);
    free(in_path);
    free(pw_strings);
    free(name);
    return rc;
}

/* ------------------------------------------------------- control, life */

int job_runner_cancel(struct job_runner *r, uint32_t job_id)
{
    struct job_run *j = job_find(r, job_id);

    if (!j) {
        errno = ENOENT;
        return -1;
    }
    if (j->cause != END_NONE || j->is_ending || j->has_exited)
        return 0;
    log_info("job %u: cancelled", job_id);
    j->cause = END_CANCEL;
    job_terminate(j);
    return 0;
}

int job_runner_signal(struct job_runner *r, uint32_t job_id, int sig)
{
    struct job_run *j = NULL;

    if (sig <= 0 || sig >= NSIG) {
        errno = EINVAL;
        return -1;
    }
    if (!(j = job_find(r, job_id))) {
        errno = ENOENT;
        return -1;
    }
    return job_signal(j, sig);
}

bool job_runner_has(const struct job_runner *r, uint32_t job_id)
{
    return job_find(r, job_id) != NULL;
}

const char *job_runner_proctrack(const struct job_runner *r)
{
    return proctrack_mode_name(proctrack_get_mode(r->pt));
}

void job_runner_foreach(const struct job_runner *r,
                        void (*fn)(uint32_t job_id, void *arg), void *arg)
{
    for (size_t b = 0; b < RUNNER_BUCKETS; b++) {
        struct job_run *j;
        struct job_run *next;
        /* fn may cancel jobs; nothing is freed until the loop runs. */
        for (j = LIST_FIRST(&r->by_id[b]); j; j = next) {
            next = LIST_NEXT(j, id_link);
            fn(j->job_id, arg);
        }
    }
}

/* "<node>-<8 hex digits>": unique per tessd on a host, because a spool
 * directory belongs to exactly one tessd, and stable across its restarts,
 * so a restarted tessd finds what its predecessor left. */
static char *instance_name(const char *node_name, const char *spool_dir)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = spool_dir; *c; c++) {
        h ^= (unsigned char)*c;
        h *= 16777619u;
    }
    return xasprintf("%s-%08x", node_name, h);
}

struct job_runner *job_runner_create(struct event_base *base,
                                     const struct job_runner_params *p,
                                     job_runner_done_fn done, void *arg,
                                     struct tess_error *err)
{
    struct job_runner *r = NULL;
    char *instance = NULL;
    enum proctrack_mode mode;
    struct stat st;
    int saved_errno;
    int rc;

    if (!base || !p || !done || !p->node_name || !p->spool_dir) {
        errno = EINVAL;
        tess_errprintf(err, "job runner: missing node name, spool "
                            "directory or callback");
        return NULL;
    }
    if ((rc = stat(p->spool_dir, &st)) == 0 && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        rc = -1;
    }
    if (rc < 0) {
        tess_errprintf(err, "spool directory %s: %s", p->spool_dir,
                       strerror(errno));
        return NULL;
    }
    if (proctrack_mode_parse(p->proctrack, &mode) < 0) {
        tess_errprintf(err, "job runner: unknown process tracking '%s'",
                       p->proctrack);
        return NULL;
    }
    r = xcalloc(1, sizeof(*r));
    for (size_t b = 0; b < RUNNER_BUCKETS; b++) {
        LIST_INIT(&r->by_id[b]);
        LIST_INIT(&r->by_pid[b]);
    }
    r->base = base;
    r->node_name = xstrdup(p->node_name);
    r->node_addr = p->node_addr ? xstrdup(p->node_addr) : NULL;
    r->spool_dir = xstrdup(p->spool_dir);
    r->kill_wait_s = p->kill_wait_s;
    r->minute_ms = p->minute_ms ? p->minute_ms : 60000;
    r->done = done;
    r->arg = arg;
    instance = instance_name(p->node_name, p->spool_dir);
    r->pt = proctrack_create(instance, mode, err);
    free(instance);
    if (!r->pt)
        goto fail;
    /* Adopt the jobs' orphans so that they are reaped here, not left as
     * zombies of a PID 1 that may not reap. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        log_warning_errno("job runner: PR_SET_CHILD_SUBREAPER");
    if (!(r->sigchld_ev = evsignal_new(base, SIGCHLD, sigchld_cb, r)) ||
        event_add(r->sigchld_ev, NULL) < 0) {
        errno = EINVAL;
        tess_errprintf(err, "job runner: cannot watch SIGCHLD");
        goto fail;
    }
    log_verbose("job runner: node %s, process tracking %s", r->node_name,
                proctrack_mode_name(proctrack_get_mode(r->pt)));
    return r;
fail:
    saved_errno = errno;
    job_runner_destroy(r);
    errno = saved_errno;
    return NULL;
}

/* Shutdown: SIGKILL a job and wait (blocking) until its processes are
 * gone or the unkillable timeout passes. */
static void job_kill_now(struct job_run *j)
{
    struct timespec deadline;
    struct timespec pause = { 0, 10 * 1000 * 1000 };

    (void)job_signal(j, SIGKILL);
    if (!j->has_exited) {
        int status;
        while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
            ;
        j->has_exited = true;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += UNKILLABLE_TIMEOUT_S;
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (proctrack_cont_is_empty(j->cont))
            break;
        if (deadline_passed(&deadline)) {
            log_error("job %u: processes survive SIGKILL", j->job_id);
            break;
        }
        nanosleep(&pause, NULL);
        (void)proctrack_cont_signal(j->cont, SIGKILL);
    }
}

void job_runner_destroy(struct job_runner *r)
{
    int saved_errno = errno;

    if (!r)
        return;
    for (size_t b = 0; b < RUNNER_BUCKETS; b++) {
        struct job_run *j;
        while ((j = LIST_FIRST(&r->by_id[b]))) {
            log_info("job %u: killed (node shutdown)", j->job_id);
            job_kill_now(j);
            LIST_REMOVE(j, id_link);
            job_unlink_pid(j);
            job_free(j);
        }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    if (r->sigchld_ev)
        event_free(r->sigchld_ev);
    proctrack_destroy(r->pt);
    free(r->node_name);
    free(r->node_addr);
    free(r->spool_dir);
    free(r);
    errno = saved_errno;
}
