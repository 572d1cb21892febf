/* SPDX-License-Identifier: Apache-2.0 */
/* Process containers for jobs: cgroup2, cgroup v1 freezer, or a process
 * group/session fallback (see proctrack.h for how each is chosen). The
 * idea to read it by: a container is a directory (or, in pgrp mode, a
 * rule over /proc), and the only thing the child does is write "0" to a
 * cgroup.procs descriptor the parent opened for it, which moves the
 * writer in. Everything else (signalling, emptiness, removal) happens in
 * the daemon with short reads and writes of cgroupfs or /proc. */
#include "config.h"

#include "noded/proctrack.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "common/error.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#define CGROUP_ROOT       "/sys/fs/cgroup"
#define CGROUP2_HYBRID    "/sys/fs/cgroup/unified"
#define CGROUP_FREEZER    "/sys/fs/cgroup/freezer"
#define CGROUP_MEMORY     "/sys/fs/cgroup/memory"
#define CGROUP_FILE_MAX   (4u << 20) /* cgroup.procs of a huge job */
#define PROC_ANCESTRY_MAX 128        /* deeper trees are not followed */

struct proctrack {
    enum proctrack_mode mode;
    char *node_name;
    char *base_dir;     /* <mount><daemon's cgroup>: exists */
    char *top_dir;      /* <base_dir>/tessera, removed too if empty */
    char *node_dir;     /* <top_dir>/<node>; NULL in pgrp mode */
    char *mem_base_dir; /* the same three for memory v1; NULL if unusable */
    char *mem_top_dir;
    char *mem_node_dir;
};

struct proctrack_cont {
    struct proctrack *pt;
    uint32_t job_id;
    char *dir;       /* the tracking cgroup; NULL in pgrp mode */
    char *mem_dir;   /* the memory cgroup; NULL if none */
    int join_fd;     /* dir/cgroup.procs */
    int mem_join_fd; /* mem_dir/cgroup.procs */
    pid_t sid;       /* the job's session and group id: the main pid */
    pid_t leader;    /* the main pid until it is reaped, then 0 */
    char marker[32]; /* pgrp mode: "TESS_JOB_ID=<id>" */
};

static const char *const mode_names[] = {
    [PROCTRACK_AUTO] = "auto",
    [PROCTRACK_CGROUP2] = "cgroup2",
    [PROCTRACK_FREEZER] = "freezer",
    [PROCTRACK_PGRP] = "pgrp",
};

const char *proctrack_mode_name(enum proctrack_mode m)
{
    return (unsigned)m <= PROCTRACK_PGRP ? mode_names[m] : "unknown";
}

int proctrack_mode_parse(const char *s, enum proctrack_mode *out)
{
    if (!s) {
        *out = PROCTRACK_AUTO;
        return 0;
    }
    for (int m = PROCTRACK_AUTO; m <= PROCTRACK_PGRP; m++) {
        if (!strcmp(s, mode_names[m])) {
            *out = (enum proctrack_mode)m;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

/* ------------------------------------------------------------ file I/O */

static int write_file(const char *path, const char *text)
{
    size_t len = strlen(text);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, len);
    if (n < 0 || (size_t)n != len) {
        int saved_errno = n < 0 ? errno : EIO;
        close(fd);
        errno = saved_errno;
        return -1;
    }
    return close(fd);
}

/* Read a whole small file. Returns a NUL-terminated buffer the caller
 * frees, or NULL with errno set. */
static char *read_file(const char *path)
{
    size_t cap = 4096;
    size_t len = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    buf = xmalloc(cap);
    for (;;) {
        ssize_t n;
        if (len + 1 >= cap) {
            if (cap >= CGROUP_FILE_MAX) {
                close(fd);
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved_errno = errno;
            close(fd);
            free(buf);
            errno = saved_errno;
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

static bool is_fs_type(const char *path, long magic)
{
    struct statfs sfs;
    return statfs(path, &sfs) == 0 && (long)sfs.f_type == magic;
}

static bool path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* mkdir each component of 'path' below 'mount' (which exists). */
static int mkdir_below(const char *mount, const char *path)
{
    size_t mlen = strlen(mount);
    char *tmp = xstrdup(path);
    int rc = -1;

    for (char *p = tmp + mlen; *p; p++) {
        if (*p != '/' || p == tmp + mlen)
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            goto out;
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        goto out;
    rc = 0;
out:
    free(tmp);
    return rc;
}

/* This process's cgroup path in the hierarchy whose controller list
 * contains 'controller' ("" selects the cgroup2 line "0::"). Returns a
 * new string, "" for the root, or NULL if not found. */
static char *self_cgroup(const char *controller)
{
    char *text = read_file("/proc/self/cgroup");
    char *result = NULL;
    char *save = NULL;

    if (!text)
        return NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        bool match = false;
        if (!c2)
            continue;
        *c2 = '\0';
        if (controller[0] == '\0') {
            match = c1 == line + 1 && line[0] == '0' && c1[1] == '\0';
        } else {
            char *save2 = NULL;
            for (char *tok = strtok_r(c1 + 1, ",", &save2); tok;
                 tok = strtok_r(NULL, ",", &save2))
                if (!strcmp(tok, controller))
                    match = true;
        }
        if (match) {
            const char *path = c2 + 1;
            result = xstrdup(strcmp(path, "/") ? path : "");
            break;
        }
    }
    free(text);
    return result;
}

/* Build and create <mount><own>/tessera/<node>. On success sets dirs[0]
 * (base), dirs[1] (top) and dirs[2] (node) to new strings. */
static int make_node_dir(const char *mount, const char *controller,
                         const char *node_name, char **dirs[3])
{
    char *own = self_cgroup(controller);
    char *base = NULL;
    char *node = NULL;

    if (!own) {
        errno = ENOENT;
        return -1;
    }
    base = xasprintf("%s%s", mount, own);
    free(own);
    node = xasprintf("%s/tessera/%s", base, node_name);
    if (mkdir_below(base, node) < 0) {
        int saved_errno = errno;
        free(base);
        free(node);
        errno = saved_errno;
        return -1;
    }
    *dirs[0] = base;
    *dirs[1] = xasprintf("%s/tessera", base);
    *dirs[2] = node;
    return 0;
}

/* ------------------------------------------------------------- probing */

static int probe_cgroup2(struct proctrack *pt, struct tess_error *err)
{
    const char *mount = NULL;
    char *procs = NULL;
    int rc;

    if (is_fs_type(CGROUP_ROOT, CGROUP2_SUPER_MAGIC))
        mount = CGROUP_ROOT;
    else if (is_fs_type(CGROUP2_HYBRID, CGROUP2_SUPER_MAGIC))
        mount = CGROUP2_HYBRID;
    if (!mount) {
        errno = ENOTSUP;
        return tess_errprintf(err, "no cgroup2 mount at %s or %s", CGROUP_ROOT,
                              CGROUP2_HYBRID);
    }
    if (make_node_dir(
            mount, "", pt->node_name,
            (char **[3]){ &pt->base_dir, &pt->top_dir, &pt->node_dir }) < 0) {
        int saved_errno = errno;
        tess_errprintf(err, "%s: cannot create tessera/%s: %s", mount,
                       pt->node_name, strerror(saved_errno));
        errno = ENOTSUP;
        return -1;
    }
    procs = xasprintf("%s/cgroup.procs", pt->node_dir);
    rc = access(procs, W_OK);
    free(procs);
    if (rc < 0) {
        tess_errprintf(err, "%s: cgroup.procs not writable: %s", pt->node_dir,
                       strerror(errno));
        errno = ENOTSUP;
        return -1;
    }
    return 0;
}

static int probe_freezer(struct proctrack *pt, struct tess_error *err)
{
    char *state = NULL;
    bool ok;

    if (!is_fs_type(CGROUP_FREEZER, CGROUP_SUPER_MAGIC)) {
        errno = ENOTSUP;
        return tess_errprintf(err, "no cgroup v1 freezer at %s",
                              CGROUP_FREEZER);
    }
    if (make_node_dir(
            CGROUP_FREEZER, "freezer", pt->node_name,
            (char **[3]){ &pt->base_dir, &pt->top_dir, &pt->node_dir }) < 0) {
        int saved_errno = errno;
        tess_errprintf(err, "%s: cannot create tessera/%s: %s", CGROUP_FREEZER,
                       pt->node_name, strerror(saved_errno));
        errno = ENOTSUP;
        return -1;
    }
    state = xasprintf("%s/freezer.state", pt->node_dir);
    ok = access(state, W_OK) == 0;
    free(state);
    if (!ok) {
        errno = ENOTSUP;
        return tess_errprintf(err, "%s: freezer.state not writable",
                              pt->node_dir);
    }
    return 0;
}

/* Remove the node's cgroup directories if they are empty. Another tessd
 * of this host may still use tessera/: EBUSY and ENOTEMPTY are expected
 * and harmless. */
static void clear_dirs(struct proctrack *pt)
{
    if (pt->node_dir)
        rmdir(pt->node_dir);
    if (pt->top_dir)
        rmdir(pt->top_dir);
    XFREE(pt->base_dir);
    XFREE(pt->top_dir);
    XFREE(pt->node_dir);
}

static void clear_mem_dirs(struct proctrack *pt)
{
    if (pt->mem_node_dir)
        rmdir(pt->mem_node_dir);
    if (pt->mem_top_dir)
        rmdir(pt->mem_top_dir);
    XFREE(pt->mem_base_dir);
    XFREE(pt->mem_top_dir);
    XFREE(pt->mem_node_dir);
}

static void probe_memory(struct proctrack *pt)
{
    char *limit = NULL;
    bool ok;

    if (!is_fs_type(CGROUP_MEMORY, CGROUP_SUPER_MAGIC) ||
        make_node_dir(CGROUP_MEMORY, "memory", pt->node_name,
                      (char **[3]){ &pt->mem_base_dir, &pt->mem_top_dir,
                                    &pt->mem_node_dir }) < 0) {
        log_verbose("proctrack: no usable cgroup v1 memory controller; "
                    "job memory is not limited");
        return;
    }
    limit = xasprintf("%s/memory.limit_in_bytes", pt->mem_node_dir);
    ok = access(limit, W_OK) == 0;
    free(limit);
    if (!ok) {
        log_verbose("proctrack: %s not writable; job memory is not limited",
                    pt->mem_node_dir);
        clear_mem_dirs(pt);
    }
}

static int cgroup_foreach_pid(const char *dir, int sig);

/* A tessd that restarts cannot adopt the jobs of the one before it (the
 * controller ends them NODE_FAIL), so their processes must not live on
 * holding CPUs and GPUs: kill whatever is left in this node's job
 * cgroups and remove them. Startup only; waits at most about 2 s per
 * cgroup. */
static void kill_orphans(struct proctrack *pt)
{
    const char *dirs[2] = { pt->node_dir, pt->mem_node_dir };

    for (int k = 0; k < 2; k++) {
        DIR *d = dirs[k] ? opendir(dirs[k]) : NULL;
        struct dirent *de;

        while (d && (de = readdir(d))) {
            char *dir;
            if (strncmp(de->d_name, "job_", 4) != 0)
                continue;
            dir = xasprintf("%s/%s", dirs[k], de->d_name);
            if (k == 0)
                log_warning("proctrack: killing what a previous tessd left "
                            "in %s",
                            dir);
            for (int i = 0; i < 100; i++) {
                if (k == 0 && pt->mode == PROCTRACK_FREEZER) {
                    char *state = xasprintf("%s/freezer.state", dir);
                    (void)write_file(state, "THAWED");
                    free(state);
                }
                if (cgroup_foreach_pid(dir, SIGKILL) <= 0 && rmdir(dir) == 0)
                    break;
                usleep(20000);
            }
            free(dir);
        }
        if (d)
            closedir(d);
    }
}

struct proctrack *proctrack_create(const char *node_name,
                                   enum proctrack_mode want,
                                   struct tess_error *err)
{
    struct proctrack *pt = NULL;
    struct tess_error why = { "" };
    int saved_errno;

    if (!node_name || !node_name[0] || strchr(node_name, '/') ||
        !strcmp(node_name, ".") || !strcmp(node_name, "..")) {
        errno = EINVAL;
        tess_errprintf(err, "proctrack: bad node name '%s'",
                       node_name ? node_name : "");
        return NULL;
    }
    pt = xcalloc(1, sizeof(*pt));
    pt->node_name = xstrdup(node_name);

    if (want == PROCTRACK_AUTO || want == PROCTRACK_CGROUP2) {
        if (probe_cgroup2(pt, &why) == 0) {
            pt->mode = PROCTRACK_CGROUP2;
            goto found;
        }
        clear_dirs(pt);
        if (want == PROCTRACK_CGROUP2)
            goto fail;
        log_verbose("proctrack: cgroup2 not usable: %s", why.text);
    }
    if (want == PROCTRACK_AUTO || want == PROCTRACK_FREEZER) {
        if (probe_freezer(pt, &why) == 0) {
            pt->mode = PROCTRACK_FREEZER;
            goto found;
        }
        clear_dirs(pt);
        if (want == PROCTRACK_FREEZER)
            goto fail;
        log_verbose("proctrack: freezer not usable: %s", why.text);
    }
    if (want != PROCTRACK_AUTO && want != PROCTRACK_PGRP) {
        errno = EINVAL;
        tess_errprintf(&why, "unknown mode %d", (int)want);
        goto fail;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        tess_errprintf(&why, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
        errno = ENOTSUP;
        goto fail;
    }
    pt->mode = PROCTRACK_PGRP;
    if (want == PROCTRACK_AUTO)
        log_warning("proctrack: no usable cgroup (%s); tracking jobs by "
                    "session and process group: a job process that calls "
                    "setsid and clears its environment can escape",
                    why.text);
found:
    probe_memory(pt);
    kill_orphans(pt);
    log_verbose("proctrack: node %s uses %s%s%s", pt->node_name,
                proctrack_mode_name(pt->mode), pt->node_dir ? " at " : "",
                pt->node_dir ? pt->node_dir : "");
    return pt;
fail:
    saved_errno = errno == EINVAL ? EINVAL : ENOTSUP;
    tess_errprintf(err, "proctrack %s: %s", proctrack_mode_name(want),
                   why.text);
    proctrack_destroy(pt);
    errno = saved_errno;
    return NULL;
}

void proctrack_destroy(struct proctrack *pt)
{
    int saved_errno = errno;

    if (!pt)
        return;
    clear_dirs(pt);
    clear_mem_dirs(pt);
    free(pt->node_name);
    free(pt);
    errno = saved_errno;
}

enum proctrack_mode proctrack_get_mode(const struct proctrack *pt)
{
    return pt->mode;
}

/* ------------------------------------------------------- cgroup members */

/* Send 'sig' to each process listed in <dir>/cgroup.procs (0: only
 * count them). Returns the number of processes that were there, or -1
 * with errno set. */
static int cgroup_foreach_pid(const char *dir, int sig)
{
    char *path = xasprintf("%s/cgroup.procs", dir);
    char *text = read_file(path);
    char *save = NULL;
    int count = 0;

    free(path);
    if (!text)
        return -1;
    for (char *tok = strtok_r(text, "\n", &save); tok;
         tok = strtok_r(NULL, "\n", &save)) {
        unsigned long long pid;
        if (str_to_u64(tok, 1, INT_MAX, &pid) < 0)
            continue;
        if (sig == 0 || kill((pid_t)pid, sig) == 0 || errno != ESRCH)
            count++;
    }
    free(text);
    return count;
}

static bool cgroup2_is_populated(const char *dir)
{
    char *path = xasprintf("%s/cgroup.events", dir);
    char *text = read_file(path);
    const char *p;
    bool populated;

    free(path);
    if (!text) /* gone: nothing can be in it */
        return false;
    p = strstr(text, "populated ");
    populated = p && p[10] != '0';
    free(text);
    return populated;
}

static int cgroup2_signal(struct proctrack_cont *c, int sig)
{
    if (sig == SIGKILL) {
        char *kill_path = xasprintf("%s/cgroup.kill", c->dir);
        int rc = -1;
        if (path_exists(kill_path)) {
            bool populated = cgroup2_is_populated(c->dir);
            rc = write_file(kill_path, "1");
            free(kill_path);
            if (rc == 0)
                return populated ? 1 : 0;
        } else {
            free(kill_path);
        }
        /* No cgroup.kill (kernel < 5.14): signal each; the caller repeats
         * until the cgroup is empty, which catches late forks. */
    }
    return cgroup_foreach_pid(c->dir, sig);
}

static int freezer_signal(struct proctrack_cont *c, int sig)
{
    char *state = NULL;
    int count;

    if (sig != SIGKILL)
        return cgroup_foreach_pid(c->dir, sig);
    /* Frozen tasks cannot fork, so the list read below is complete; the
     * SIGKILL takes effect when they thaw. Freezing is asynchronous, so a
     * task still FREEZING may fork once more; the caller repeats. */
    state = xasprintf("%s/freezer.state", c->dir);
    if (write_file(state, "FROZEN") < 0)
        log_debug("job %u: freeze %s: %s", c->job_id, c->dir, strerror(errno));
    count = cgroup_foreach_pid(c->dir, SIGKILL);
    if (write_file(state, "THAWED") < 0)
        log_warning_errno("job %u: thaw %s", c->job_id, c->dir);
    free(state);
    return count;
}

/* ------------------------------------------------------------ pgrp mode */

struct proc_ent {
    pid_t pid;
    pid_t ppid;
    pid_t pgid;
    pid_t sid;
    char state;
};

static int proc_ent_cmp(const void *a, const void *b)
{
    const struct proc_ent *x = a;
    const struct proc_ent *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int proc_stat_read(pid_t pid, struct proc_ent *e)
{
    char path[64];
    char buf[1024];
    const char *rp;
    ssize_t n;
    int fd;
    int ppid, pgid, sid;
    char state;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: parse after the
     * last ')'. */
    if (!(rp = strrchr(buf, ')')) ||
        sscanf(rp + 1, " %c %d %d %d", &state, &ppid, &pgid, &sid) != 4)
        return -1;
    e->pid = pid;
    e->ppid = ppid;
    e->pgid = pgid;
    e->sid = sid;
    e->state = state;
    return 0;
}

/* A snapshot of every process, sorted by pid. */
static struct proc_ent *proc_table_load(size_t *count)
{
    DIR *d = opendir("/proc");
    struct proc_ent *tab = NULL;
    size_t n = 0;
    size_t cap = 0;
    struct dirent *de;

    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        unsigned long long pid;
        if (!isdigit((unsigned char)de->d_name[0]) ||
            str_to_u64(de->d_name, 1, INT_MAX, &pid) < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            tab = xreallocarray(tab, cap, sizeof(*tab));
        }
        if (proc_stat_read((pid_t)pid, &tab[n]) == 0)
            n++;
    }
    closedir(d);
    if (!tab)
        tab = xmalloc(sizeof(*tab));
    qsort(tab, n, sizeof(*tab), proc_ent_cmp);
    *count = n;
    return tab;
}

static const struct proc_ent *proc_table_find(const struct proc_ent *tab,
                                              size_t n, pid_t pid)
{
    struct proc_ent key = { .pid = pid };
    return bsearch(&key, tab, n, sizeof(*tab), proc_ent_cmp);
}

/* Does /proc/<pid>/environ hold the exact entry 'marker'? */
static bool proc_has_marker(pid_t pid, const char *marker)
{
    char path[64];
    char *env = NULL;
    bool found = false;
    int fd;
    size_t len = 0;
    size_t cap = 8192;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return false;
    env = xmalloc(cap);
    for (;;) {
        if (len + 1 == cap) {
            if (cap >= CGROUP_FILE_MAX)
                break;
            cap *= 2;
            env = xrealloc(env, cap);
        }
        if ((n = read(fd, env + len, cap - len - 1)) <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    env[len] = '\0';
    for (size_t i = 0; i < len; i += strlen(env + i) + 1)
        if (!strcmp(env + i, marker)) {
            found = true;
            break;
        }
    free(env);
    return found;
}

/* Is process 'e' part of the job? Climb its ancestry: the main process
 * (even before its setsid), a process in the job's session or group, or
 * one below them, belongs; so does an orphan this daemon adopted that
 * carries the job's marker, and everything below it. A pid used as a
 * session or group id cannot be recycled while any process still uses
 * it, so 'sid' stays unambiguous after the main process is gone. */
static bool pgrp_is_member(const struct proctrack_cont *c,
                           const struct proc_ent *tab, size_t n,
                           const struct proc_ent *e, pid_t self)
{
    for (int depth = 0; e && depth < PROC_ANCESTRY_MAX; depth++) {
        if (e->pid == self)
            return false;
        if ((c->leader > 0 && e->pid == c->leader) ||
            (c->sid > 0 && (e->pgid == c->sid || e->sid == c->sid)))
            return true;
        if (e->ppid == self)
            return proc_has_marker(e->pid, c->marker);
        if (e->ppid <= 1)
            return false;
        e = proc_table_find(tab, n, e->ppid);
    }
    return false;
}

static int pgrp_walk(struct proctrack_cont *c, int sig)
{
    pid_t self = getpid();
    size_t n = 0;
    struct proc_ent *tab = NULL;
    int count = 0;
    bool is_group_done = false;

    /* The group first, in one call, so that nothing in it forks away;
     * then each other member. Nobody gets the signal twice. */
    if (sig && c->sid > 0)
        is_group_done = killpg(c->sid, sig) == 0;
    if (!(tab = proc_table_load(&n)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (tab[i].state == 'Z' || tab[i].state == 'X' ||
            !pgrp_is_member(c, tab, n, &tab[i], self))
            continue;
        count++;
        if (sig && !(is_group_done && tab[i].pgid == c->sid))
            (void)kill(tab[i].pid, sig);
    }
    free(tab);
    return count;
}

/* ----------------------------------------------------------- containers */

/* Kill what a previous daemon left in a cgroup we are about to reuse. */
static void cont_clear_stale(struct proctrack_cont *c)
{
    char *state = NULL;

    log_warning("job %u: reusing leftover cgroup %s", c->job_id, c->dir);
    if (c->pt->mode == PROCTRACK_FREEZER) {
        state = xasprintf("%s/freezer.state", c->dir);
        (void)write_file(state, "THAWED");
        free(state);
    }
    (void)proctrack_cont_signal(c, SIGKILL);
}

static int cont_make_mem(struct proctrack_cont *c, uint64_t mem_limit_mib)
{
    struct proctrack *pt = c->pt;
    char *limit_path = NULL;
    char *procs = NULL;
    char value[32];
    int rc = -1;

    c->mem_dir = xasprintf("%s/job_%" PRIu32, pt->mem_node_dir, c->job_id);
    if (mkdir_below(pt->mem_base_dir, c->mem_dir) < 0)
        goto out;
    limit_path = xasprintf("%s/memory.limit_in_bytes", c->mem_dir);
    snprintf(value, sizeof(value), "%" PRIu64, mem_limit_mib << 20);
    if (write_file(limit_path, value) < 0)
        goto out;
    procs = xasprintf("%s/cgroup.procs", c->mem_dir);
    if ((c->mem_join_fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        log_warning_errno("job %u: memory limit of %" PRIu64
                          " MiB not applied (%s)",
                          c->job_id, mem_limit_mib, c->mem_dir);
        rmdir(c->mem_dir);
        XFREE(c->mem_dir);
    }
    free(limit_path);
    free(procs);
    return rc;
}

struct proctrack_cont *proctrack_cont_create(struct proctrack *pt,
                                             uint32_t job_id,
                                             uint64_t mem_limit_mib,
                                             struct tess_error *err)
{
    struct proctrack_cont *c = xcalloc(1, sizeof(*c));
    char *procs = NULL;
    bool is_stale = false;
    int saved_errno;

    c->pt = pt;
    c->job_id = job_id;
    c->join_fd = -1;
    c->mem_join_fd = -1;
    snprintf(c->marker, sizeof(c->marker), "TESS_JOB_ID=%" PRIu32, job_id);
    if (pt->mode == PROCTRACK_PGRP)
        goto mem;

    c->dir = xasprintf("%s/job_%" PRIu32, pt->node_dir, job_id);
    /* Re-create the parents: another tessd may have just removed an
     * empty tessera/ it shared with us. */
    if (mkdir_below(pt->base_dir, pt->node_dir) < 0)
        goto fail;
    if (mkdir(c->dir, 0755) < 0) {
        if (errno != EEXIST)
            goto fail;
        is_stale = true;
    }
    procs = xasprintf("%s/cgroup.procs", c->dir);
    if ((c->join_fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
        goto fail;
    XFREE(procs);
    if (is_stale)
        cont_clear_stale(c);
mem:
    if (mem_limit_mib > 0 && pt->mem_node_dir)
        (void)cont_make_mem(c, mem_limit_mib);
    return c;
fail:
    saved_errno = errno;
    tess_errprintf(err, "job %" PRIu32 ": %s: %s", job_id,
                   procs ? procs : c->dir, strerror(saved_errno));
    free(procs);
    if (c->dir && !is_stale)
        rmdir(c->dir);
    free(c->dir);
    free(c);
    errno = saved_errno;
    return NULL;
}

int proctrack_cont_join_self(const struct proctrack_cont *c)
{
    /* Writing 0 moves the writer itself (v1 and v2 alike). */
    if (c->join_fd >= 0 && write(c->join_fd, "0", 1) != 1)
        return -1;
    if (c->mem_join_fd >= 0 && write(c->mem_join_fd, "0", 1) != 1)
        return -1;
    return 0;
}

void proctrack_cont_set_leader(struct proctrack_cont *c, pid_t pid)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%d", (int)pid);

    c->sid = pid;
    c->leader = pid;
    if (c->join_fd >= 0)
        (void)!write(c->join_fd, num, (size_t)n);
    if (c->mem_join_fd >= 0)
        (void)!write(c->mem_join_fd, num, (size_t)n);
}

void proctrack_cont_leader_reaped(struct proctrack_cont *c)
{
    c->leader = 0;
}

int proctrack_cont_signal(struct proctrack_cont *c, int sig)
{
    switch (c->pt->mode) {
    case PROCTRACK_CGROUP2:
        return cgroup2_signal(c, sig);
    case PROCTRACK_FREEZER:
        return freezer_signal(c, sig);
    default:
        return pgrp_walk(c, sig);
    }
}

bool proctrack_cont_is_empty(struct proctrack_cont *c)
{
    switch (c->pt->mode) {
    case PROCTRACK_CGROUP2:
        return !cgroup2_is_populated(c->dir);
    case PROCTRACK_FREEZER:
        /* A listing error means the cgroup is gone. */
        return cgroup_foreach_pid(c->dir, 0) <= 0;
    default:
        return pgrp_walk(c, 0) <= 0;
    }
}

void proctrack_cont_destroy(struct proctrack_cont *c)
{
    int saved_errno = errno;

    if (!c)
        return;
    if (c->join_fd >= 0)
        close(c->join_fd);
    if (c->mem_join_fd >= 0)
        close(c->mem_join_fd);
    if (c->dir && rmdir(c->dir) < 0 && errno != ENOENT)
        log_warning_errno("job %u: cannot remove cgroup %s", c->job_id, c->dir);
    if (c->mem_dir && rmdir(c->mem_dir) < 0 && errno != ENOENT)
        log_warning_errno("job %u: cannot remove cgroup %s", c->job_id,
                          c->mem_dir);
    free(c->dir);
    free(c->mem_dir);
    free(c);
    errno = saved_errno;
}
