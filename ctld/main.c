/* SPDX-License-Identifier: Apache-2.0 */
/* tessctld: the controller. main() reads as a table of contents: set up in
 * order, run the loop, tear down in reverse. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/auth.h"
#include "common/conf.h"
#include "common/daemonize.h"
#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "ctld/ctld.h"
#include "ctld/job_mgr.h"
#include "ctld/job_table.h"
#include "ctld/node_table.h"
#include "ctld/ops.h"
#include "ctld/sched.h"
#include "ctld/server.h"
#include "ctld/store.h"

struct options {
    const char *conf_path;
    const char *log_path;
    bool is_daemon;
    int verbose;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: tessctld [OPTIONS]\n"
            "  -f, --conf FILE    configuration (default $TESS_CONF or "
            "%s/tessera.conf)\n"
            "  -d, --daemon       run in the background; exit 0 once "
            "listening\n"
            "  -L, --log FILE     log to FILE (default CtldLogFile, else "
            "stderr)\n"
            "  -v, --verbose      more logging (repeat for debug)\n"
            "      --list-ops     print the ops this controller serves\n"
            "  -h, --help         this text\n",
            TESS_SYSCONFDIR);
}

static void parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "conf", required_argument, NULL, 'f' },
        { "daemon", no_argument, NULL, 'd' },
        { "log", required_argument, NULL, 'L' },
        { "verbose", no_argument, NULL, 'v' },
        { "list-ops", no_argument, NULL, 'O' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    o->conf_path = getenv("TESS_CONF");
    while ((c = getopt_long(argc, argv, "f:dL:vhD", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->conf_path = optarg;
            break;
        case 'd':
            o->is_daemon = true;
            break;
        case 'D': /* slurmctld -D: foreground, the default here */
            break;
        case 'L':
            o->log_path = optarg;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'O':
            printf("auth.hello\n");
            for (const char *const *op = ops_names(); *op; op++)
                printf("%s\n", *op);
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tessctld: unexpected argument '%s'\n", argv[optind]);
        exit(2);
    }
    if (!o->conf_path)
        o->conf_path = TESS_SYSCONFDIR "/tessera.conf";
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
    struct ctld *ctx = arg;
    log_info("caught signal %d; shutting down", (int)sig);
    ctx->is_stopping = true;
    event_base_loopbreak(ctx->base);
}

static void hup_cb(evutil_socket_t sig, short what, void *arg)
{
    log_warning("SIGHUP: reconfiguration is not supported by this version; "
                "restart tessctld to apply a new configuration");
}

static int make_dir(const char *path, struct tess_error *err)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return tess_errprintf(err, "StateDir %s: %s", path, strerror(errno));
    return 0;
}

/* Fail startup: tell the launching process (daemon mode) and exit. */
static void startup_fail(int ready_fd, const char *msg)
{
    log_error("%s", msg);
    daemonize_fail(ready_fd, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct ctld ctx = { 0 };
    struct tess_error err = { "" };
    struct conf *conf = NULL;
    struct event *sig_term = NULL;
    struct event *sig_int = NULL;
    struct event *sig_hup = NULL;
    struct passwd *pw;
    char *db_path = NULL;
    char *cred = NULL;
    int ready_fd = -1;

    xalloc_install_library_hooks();
    parse_args(argc, argv, &opt);
    log_init("tessctld", LOG_LEVEL_INFO);
    if (!(conf = conf_load(opt.conf_path, &err))) {
        fprintf(stderr, "tessctld: %s\n", err.text);
        return 1;
    }
    ctx.conf = conf;
    log_set_level((enum log_level)(conf->log_level + opt.verbose > 5
                                       ? 5
                                       : conf->log_level + opt.verbose));
    log_current_flags = conf->debug_flags;
    if (opt.is_daemon && (ready_fd = daemonize_begin()) < 0) {
        fprintf(stderr, "tessctld: cannot daemonize: %s\n", strerror(errno));
        return 1;
    }
    if (opt.log_path || conf->log_file_ctld) {
        const char *p = opt.log_path ? opt.log_path : conf->log_file_ctld;
        if (log_open_file(p) < 0) {
            snprintf(err.text, sizeof(err.text), "cannot open log file %s: %s",
                     p, strerror(errno));
            startup_fail(ready_fd, err.text);
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (!(pw = getpwnam(conf->tess_user))) {
        snprintf(err.text, sizeof(err.text), "%s: TessUser '%s' does not exist",
                 conf->path, conf->tess_user);
        startup_fail(ready_fd, err.text);
    }
    ctx.tess_uid = pw->pw_uid;
    if (make_dir(conf->state_dir, &err) < 0)
        startup_fail(ready_fd, err.text);

    ctx.base = event_base_new();
    ctx.auth = auth_create(conf->munge_socket);
    /* Fail now, with the reason, rather than at the first connection. */
    if (!(cred = auth_cred_create(ctx.auth, &err)))
        startup_fail(ready_fd, err.text);
    free(cred);

    db_path = xasprintf("%s/tessctld.db", conf->state_dir);
    if (!(ctx.store = store_open(ctx.base, db_path, conf->commit_delay_us,
                                 &err)))
        startup_fail(ready_fd, err.text);
    ctx.nodes = node_table_create(conf);
    ctx.jobs = job_table_create();
    ctx.next_job_id = 1;
    if (job_mgr_load(&ctx, &err) < 0)
        startup_fail(ready_fd, err.text);
    ctx.sched = sched_create(&ctx);
    if (!(ctx.server = server_create(&ctx, &err)))
        startup_fail(ready_fd, err.text);

    sig_term = evsignal_new(ctx.base, SIGTERM, stop_cb, &ctx);
    sig_int = evsignal_new(ctx.base, SIGINT, stop_cb, &ctx);
    sig_hup = evsignal_new(ctx.base, SIGHUP, hup_cb, &ctx);
    event_add(sig_term, NULL);
    event_add(sig_int, NULL);
    event_add(sig_hup, NULL);

    log_info("tessctld %s started: cluster %s, %zu nodes, %zu partitions",
             PACKAGE_VERSION, conf->cluster_name, conf->nnodes,
             conf->npartitions);
    daemonize_ready(ready_fd);
    sched_request(ctx.sched);
    event_base_dispatch(ctx.base);

    ctx.is_stopping = true;
    event_free(sig_hup);
    event_free(sig_int);
    event_free(sig_term);
    server_destroy(ctx.server);
    sched_destroy(ctx.sched);
    store_close(ctx.store);
    job_table_destroy(ctx.jobs);
    node_table_destroy(ctx.nodes);
    free(db_path);
    auth_destroy(ctx.auth);
    event_base_free(ctx.base);
    log_info("stopped");
    conf_destroy(conf);
    log_fini();
    return 0;
}
