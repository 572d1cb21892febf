/* SPDX-License-Identifier: Apache-2.0 */
/* tess local: a whole emulated cluster in one command, like `flux start`.
 * It starts munged if none answers, a controller and one tessd per node of
 * the example configuration, all as children of this process with their
 * state under one directory; waits until every node has registered; runs
 * CMD (or a shell) with TESS_CONF pointing at the cluster; and stops all
 * it started, in reverse order, when CMD ends or on Ctrl-C. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/auth.h"
#include "common/client.h"
#include "common/conf.h"
#include "common/error.h"
#include "common/xalloc.h"

#define READY_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS  10000

struct local {
    char *dir;
    char *conf_path;
    char *munge_sock;      /* set when we started munged */
    char *munge_pidfile;
    pid_t ctld;
    pid_t *nodes;
    size_t nnodes;
    struct conf *conf;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTIONS] [-- CMD [ARGS...]]\n"
            "Start a local emulated cluster, run CMD in it (default: a "
            "shell when\ninteractive, else wait for Ctrl-C), then stop "
            "everything.\n"
            "  -s, --statedir DIR  where all state and logs go (default "
            "/tmp/tessera-local-$UID)\n"
            "  -c, --config FILE   cluster configuration (default: the "
            "shipped example)\n"
            "  -q, --quiet         no progress messages\n",
            cli_prog);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static char *self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0)
        return xstrdup(".");
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return xstrdup(buf);
}

/* A file next to us in the build tree or the install tree. */
static char *find_file(const char *const *candidates)
{
    char *dir = self_dir();
    for (const char *const *c = candidates; *c; c++) {
        char *p = (*c)[0] == '/' ? xstrdup(*c) : xasprintf("%s/%s", dir, *c);
        if (access(p, R_OK) == 0) {
            free(dir);
            return p;
        }
        free(p);
    }
    free(dir);
    return NULL;
}

static char *find_daemon(const char *name)
{
    char *a = xasprintf("../%s/%s", !strcmp(name, "tessctld") ? "ctld"
                                                              : "noded",
                        name);
    char *b = xasprintf("../sbin/%s", name);
    char *c = xasprintf("%s/%s", TESS_SBINDIR, name);
    const char *const cands[] = { a, b, name, c, NULL };
    char *found = find_file(cands);
    free(a);
    free(b);
    free(c);
    if (!found)
        cli_die("cannot find %s next to %s or in %s", name, "tess",
                TESS_SBINDIR);
    return found;
}

static void mkdir_or_die(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        cli_die("cannot create %s: %s", path, strerror(errno));
    chmod(path, mode);
}

static pid_t spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        cli_die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
        }
        /* Daemons must not take the terminal's Ctrl-C: we stop them. */
        setpgid(0, 0);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

static int run_wait(char *const argv[])
{
    int status = 0;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool munge_works_at(const char *sock)
{
    struct auth *a = auth_create(sock);
    char *cred = auth_cred_create(a, NULL);
    bool ok = cred != NULL;
    free(cred);
    auth_destroy(a);
    return ok;
}

static void start_munge(struct local *l, bool quiet)
{
    char *dir = xasprintf("%s/munge", l->dir);
    char *key = xasprintf("%s/munge.key", dir);
    char *log = xasprintf("%s/munged.log", dir);
    char *seed = xasprintf("%s/munged.seed", dir);
    char *kf = xasprintf("--key-file=%s", key);
    char *sf = NULL, *pf = NULL, *lf = NULL, *ef = NULL;

    mkdir_or_die(dir, 0755);
    l->munge_sock = xasprintf("%s/munge.sock", dir);
    l->munge_pidfile = xasprintf("%s/munged.pid", dir);
    if (access(key, R_OK) != 0) {
        char *argv[] = { (char *)"mungekey", (char *)"-c", (char *)"-k", key,
                         NULL };
        if (run_wait(argv) != 0)
            cli_die("mungekey failed to create %s (is munge installed?)", key);
    }
    if (munge_works_at(l->munge_sock)) {
        /* Left from an earlier run in this directory: reuse it. */
        XFREE(l->munge_pidfile); /* not ours to stop */
        goto out;
    }
    sf = xasprintf("--socket=%s", l->munge_sock);
    pf = xasprintf("--pid-file=%s", l->munge_pidfile);
    lf = xasprintf("--log-file=%s", log);
    ef = xasprintf("--seed-file=%s", seed);
    {
        char *argv[] = { (char *)"munged", kf, sf, pf, lf, ef, NULL };
        if (run_wait(argv) != 0)
            cli_die("munged failed to start; see %s", log);
    }
    if (!quiet)
        fprintf(stderr, "tess local: started munged on %s\n", l->munge_sock);
    free(sf);
    free(pf);
    free(lf);
    free(ef);
out:
    free(dir);
    free(key);
    free(log);
    free(seed);
    free(kf);
}

static bool is_overridden(const char *line)
{
    static const char *const keys[] = {
        "StateDir",    "StateSaveLocation", "SpoolDir",     "ControlPort",
        "ControlHost", "SlurmctldHost",     "ControlSocket", "MungeSocket",
        "TessUser",    "SlurmUser",         "CtldLogFile",   "NodedLogFile",
        NULL,
    };
    while (*line == ' ' || *line == '\t')
        line++;
    for (const char *const *k = keys; *k; k++) {
        size_t n = strlen(*k);
        if (!strncasecmp(line, *k, n) && line[n] == '=')
            return true;
    }
    return false;
}

/* The cluster's config: the source with our paths and ports. */
static void write_conf(struct local *l, const char *src)
{
    FILE *in = fopen(src, "re");
    FILE *out;
    struct passwd *pw = getpwuid(geteuid());
    char line[4096];

    if (!in)
        cli_die("%s: %s", src, strerror(errno));
    l->conf_path = xasprintf("%s/tessera.conf", l->dir);
    if (!(out = fopen(l->conf_path, "we")))
        cli_die("%s: %s", l->conf_path, strerror(errno));
    fprintf(out, "# Generated by tess local from %s\n", src);
    while (fgets(line, sizeof(line), in))
        if (!is_overridden(line))
            fputs(line, out);
    fclose(in);
    fprintf(out,
            "\n# tess local\n"
            "ControlHost=127.0.0.1\n"
            "ControlPort=0\n"
            "StateDir=\"%s/ctld\"\n"
            "ControlSocket=\"%s/ctld/tessctld.sock\"\n"
            "SpoolDir=\"%s/nodes/%%n\"\n"
            "CtldLogFile=\"%s/log/tessctld.log\"\n"
            "NodedLogFile=\"%s/log/tessd-%%n.log\"\n"
            "TessUser=%s\n",
            l->dir, l->dir, l->dir, l->dir, l->dir,
            pw ? pw->pw_name : "root");
    if (l->munge_sock)
        fprintf(out, "MungeSocket=\"%s\"\n", l->munge_sock);
    if (fclose(out) != 0)
        cli_die("%s: %s", l->conf_path, strerror(errno));
}

static void stop_child(pid_t pid)
{
    int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        sleep_ms(20);
    }
}

static void teardown(struct local *l)
{
    for (size_t i = l->nnodes; i > 0; i--)
        stop_child(l->nodes[i - 1]);
    stop_child(l->ctld);
    if (l->munge_pidfile) {
        FILE *f = fopen(l->munge_pidfile, "re");
        long pid = 0;
        if (f && fscanf(f, "%ld", &pid) == 1 && pid > 1)
            stop_child((pid_t)pid); /* not our child: waitpid fails fast */
        if (f)
            fclose(f);
    }
}

static bool child_died(pid_t pid, int *status)
{
    return waitpid(pid, status, WNOHANG) == pid;
}

static void wait_ctld(struct local *l, const char *log)
{
    char *addr = xasprintf("%s/ctld/tessctld.addr", l->dir);
    int64_t deadline = now_ms() + READY_TIMEOUT_MS;
    int status;

    while (access(addr, R_OK) != 0) {
        if (child_died(l->ctld, &status)) {
            l->ctld = 0;
            teardown(l);
            cli_die("tessctld exited during startup; see %s", log);
        }
        if (now_ms() > deadline) {
            teardown(l);
            cli_die("tessctld did not start listening in %d s; see %s",
                    READY_TIMEOUT_MS / 1000, log);
        }
        sleep_ms(20);
    }
    free(addr);
}

/* Wait until every node has registered. */
static void wait_nodes(struct local *l)
{
    int64_t deadline = now_ms() + READY_TIMEOUT_MS;

    for (;;) {
        struct tess_error err = { "" };
        struct client *c = client_connect_ctld(l->conf, &err);
        json_t *reply = NULL;
        size_t up = 0;
        size_t i;
        json_t *n;

        if (c && client_call(c, "node.list", NULL, &reply, 5000, &err) == 0) {
            json_array_foreach(json_object_get(reply, "nodes"), i, n)
            {
                const char *st = json_string_value(json_object_get(n, "state"));
                if (st && strcmp(st, "UNKNOWN") && strcmp(st, "DOWN"))
                    up++;
            }
            json_decref(reply);
        }
        client_destroy(c);
        if (up == l->nnodes)
            return;
        for (i = 0; i < l->nnodes; i++) {
            int status;
            if (l->nodes[i] > 0 && child_died(l->nodes[i], &status)) {
                l->nodes[i] = 0;
                teardown(l);
                cli_die("tessd for node %s exited during startup; see "
                        "%s/log/tessd-%s.log",
                        l->conf->nodes[i].name, l->dir,
                        l->conf->nodes[i].name);
            }
        }
        if (now_ms() > deadline) {
            teardown(l);
            cli_die("only %zu of %zu nodes registered in %d s; see %s/log",
                    up, l->nnodes, READY_TIMEOUT_MS / 1000, l->dir);
        }
        sleep_ms(50);
    }
}

static int run_command(struct local *l, char **cmd)
{
    struct sigaction ign = { .sa_handler = SIG_IGN };
    struct sigaction old_int, old_term;
    int status = 0;
    pid_t pid;

    char *dir = self_dir();
    char *path = xasprintf("%s:%s", dir, getenv("PATH") ? getenv("PATH")
                                                         : "/usr/bin:/bin");

    /* CMD finds this very tess first, and the cluster through TESS_CONF. */
    setenv("PATH", path, 1);
    setenv("TESS_CONF", l->conf_path, 1);
    free(path);
    free(dir);
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGTERM, &ign, &old_term);
    pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        execvp(cmd[0], cmd);
        fprintf(stderr, "%s: cannot run %s: %s\n", cli_prog, cmd[0],
                strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int wait_for_signal(void)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigwait(&set, &sig);
    return 0;
}

int cmd_local(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "statedir", required_argument, NULL, 's' },
        { "config", required_argument, NULL, 'c' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const examples[] = {
        "../contribs/tessera.conf.example",
        "../share/tessera/examples/tessera.conf.example",
        TESS_DATADIR "/examples/tessera.conf.example",
        NULL,
    };
    struct local l = { 0 };
    struct tess_error err = { "" };
    const char *config = NULL;
    char *src = NULL;
    char *tessctld;
    char *tessd;
    char *logdir;
    char *ctld_log;
    bool quiet = false;
    int rc;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+s:c:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            l.dir = xstrdup(optarg);
            break;
        case 'c':
            config = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            cli_bad_option(argv);
        }
    }
    if (!l.dir)
        l.dir = xasprintf("/tmp/tessera-local-%u", (unsigned)geteuid());
    if (l.dir[0] != '/') {
        char cwd[PATH_MAX];
        char *abs;
        if (!getcwd(cwd, sizeof(cwd)))
            cli_die("getcwd: %s", strerror(errno));
        abs = xasprintf("%s/%s", cwd, l.dir);
        free(l.dir);
        l.dir = abs;
    }
    if (config)
        src = xstrdup(config);
    else if (getenv("TESS_SRCDIR"))
        src = xasprintf("%s/contribs/tessera.conf.example",
                        getenv("TESS_SRCDIR"));
    else
        src = find_file(examples);
    if (!src)
        cli_die("cannot find the example configuration; use --config FILE");
    tessctld = find_daemon("tessctld");
    tessd = find_daemon("tessd");

    mkdir_or_die(l.dir, 0755);
    logdir = xasprintf("%s/log", l.dir);
    mkdir_or_die(logdir, 0755);
    if (!munge_works_at(NULL))
        start_munge(&l, quiet);
    write_conf(&l, src);
    if (!(l.conf = conf_load(l.conf_path, &err)))
        cli_die("%s", err.text);

    {
        char *stale = xasprintf("%s/ctld/tessctld.addr", l.dir);
        unlink(stale);
        free(stale);
    }
    ctld_log = xasprintf("%s/tessctld.log", logdir);
    {
        char *args[] = { tessctld, (char *)"-f", l.conf_path, NULL };
        l.ctld = spawn(args, ctld_log);
    }
    wait_ctld(&l, ctld_log);
    l.nnodes = l.conf->nnodes;
    l.nodes = xcalloc(l.nnodes + 1, sizeof(pid_t));
    for (size_t i = 0; i < l.nnodes; i++) {
        char *log = xasprintf("%s/tessd-%s.log", logdir, l.conf->nodes[i].name);
        char *args[] = { tessd, (char *)"-f", l.conf_path, (char *)"-N",
                         l.conf->nodes[i].name, NULL };
        l.nodes[i] = spawn(args, log);
        free(log);
    }
    wait_nodes(&l);
    if (!quiet)
        fprintf(stderr,
                "tess local: cluster '%s' is up: %zu nodes, state in %s\n"
                "tess local: TESS_CONF=%s\n",
                l.conf->cluster_name, l.nnodes, l.dir, l.conf_path);

    if (optind < argc) {
        rc = run_command(&l, argv + optind);
    } else if (isatty(STDIN_FILENO)) {
        const char *shell = getenv("SHELL") ? getenv("SHELL") : "/bin/sh";
        char *sh[] = { (char *)shell, NULL };
        rc = run_command(&l, sh);
    } else {
        if (!quiet)
            fprintf(stderr, "tess local: running until interrupted "
                            "(Ctrl-C or SIGTERM)\n");
        rc = wait_for_signal();
    }
    teardown(&l);
    if (!quiet)
        fprintf(stderr, "tess local: cluster stopped\n");
    conf_destroy(l.conf);
    free(l.nodes);
    free(ctld_log);
    free(logdir);
    free(tessctld);
    free(tessd);
    free(src);
    free(l.conf_path);
    free(l.munge_sock);
    free(l.munge_pidfile);
    free(l.dir);
    return rc;
}
