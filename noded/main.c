/* SPDX-License-Identifier: Apache-2.0 */
/* tessd: the node daemon. Many can run on one host, each with its own
 * node name (-N), spool directory and port, which is how the test suite
 * and `tess local` emulate a heterogeneous cluster. */
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
#include "common/strutil.h"
#include "common/xalloc.h"
#include "noded/ctld_link.h"
#include "noded/inventory.h"
#include "noded/job_runner.h"
#include "noded/node_server.h"
#include "noded/noded.h"

struct options {
    const char *conf_path;
    const char *node_name;
    const char *log_path;
    bool is_daemon;
    bool print_inventory;
    int verbose;
    unsigned minute_ms;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: tessd [OPTIONS]\n"
            "  -f, --conf FILE        configuration (default $TESS_CONF or "
            "%s/tessera.conf)\n"
            "  -N, --node NAME        this node's name in the configuration "
            "(default: the short host name)\n"
            "  -d, --daemon           run in the background; exit 0 once "
            "listening\n"
            "  -L, --log FILE         log to FILE (default NodedLogFile, "
            "else stderr)\n"
            "      --print-inventory  show the hardware found and exit\n"
            "      --test-minute-ms MS  tests only: a job time limit minute "
            "lasts MS ms\n"
            "  -v, --verbose          more logging (repeat for debug)\n"
            "  -h, --help             this text\n",
            TESS_SYSCONFDIR);
}

static void parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "conf", required_argument, NULL, 'f' },
        { "node", required_argument, NULL, 'N' },
        { "daemon", no_argument, NULL, 'd' },
        { "log", required_argument, NULL, 'L' },
        { "print-inventory", no_argument, NULL, 'I' },
        { "test-minute-ms", required_argument, NULL, 'T' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static char host[256];
    int c;

    o->conf_path = getenv("TESS_CONF");
    while ((c = getopt_long(argc, argv, "f:N:dL:vhD", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'f':
            o->conf_path = optarg;
            break;
        case 'N':
            o->node_name = optarg;
            break;
        case 'd':
            o->is_daemon = true;
            break;
        case 'D':
            break;
        case 'L':
            o->log_path = optarg;
            break;
        case 'I':
            o->print_inventory = true;
            break;
        case 'T': {
            unsigned long long v;
            if (str_to_u64(optarg, 1, 60000, &v) < 0) {
                fprintf(stderr, "tessd: --test-minute-ms: expected 1..60000, "
                                "got '%s'\n",
                        optarg);
                exit(2);
            }
            o->minute_ms = (unsigned)v;
            break;
        }
        case 'v':
            o->verbose++;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tessd: unexpected argument '%s'\n", argv[optind]);
        exit(2);
    }
    if (!o->conf_path)
        o->conf_path = TESS_SYSCONFDIR "/tessera.conf";
    if (!o->node_name) {
        if (gethostname(host, sizeof(host) - 1) < 0)
            host[0] = '\0';
        host[strcspn(host, ".")] = '\0';
        o->node_name = host;
    }
}

/* SpoolDir with %n replaced by the node name. */
static char *spool_path(const char *pattern, const char *node)
{
    size_t cap = strlen(pattern) + 1;
    char *out;
    size_t n = 0;

    for (const char *p = pattern; *p; p++)
        if (p[0] == '%' && p[1] == 'n')
            cap += strlen(node);
    out = xmalloc(cap);
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'n') {
            memcpy(out + n, node, strlen(node));
            n += strlen(node);
            p++;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

static int make_dirs(const char *path, struct tess_error *err)
{
    char *copy = xstrdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
            tess_errprintf(err, "SpoolDir %s: %s", copy, strerror(errno));
            free(copy);
            return -1;
        }
        *p = '/';
    }
    free(copy);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return tess_errprintf(err, "SpoolDir %s: %s", path, strerror(errno));
    return 0;
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
    struct noded *nd = arg;
    log_info("caught signal %d; shutting down", (int)sig);
    nd->is_stopping = true;
    event_base_loopbreak(nd->base);
}

static void hup_cb(evutil_socket_t sig, short what, void *arg)
{
    log_warning("SIGHUP ignored: restart tessd to apply a new configuration");
}

static void job_done_cb(const struct job_result *res, void *arg)
{
    struct noded *nd = arg;
    ctld_link_job_done(nd->link, res);
}

static void startup_fail(int ready_fd, const char *msg)
{
    log_error("%s", msg);
    daemonize_fail(ready_fd, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    struct options opt = { 0 };
    struct noded nd = { 0 };
    struct tess_error err = { "" };
    struct job_runner_params rp = { 0 };
    struct conf *conf = NULL;
    struct event *sig_term = NULL;
    struct event *sig_int = NULL;
    struct event *sig_hup = NULL;
    struct passwd *pw;
    char *log_path = NULL;
    char *cred = NULL;
    int ready_fd = -1;

    xalloc_install_library_hooks();
    parse_args(argc, argv, &opt);
    log_init("tessd", LOG_LEVEL_INFO);
    if (!(conf = conf_load(opt.conf_path, &err))) {
        fprintf(stderr, "tessd: %s\n", err.text);
        return 1;
    }
    nd.conf = conf;
    nd.node_name = opt.node_name;
    if (!(nd.node_conf = conf_find_node(conf, opt.node_name))) {
        fprintf(stderr, "tessd: %s: node '%s' is not defined (use -N NAME)\n",
                conf->path, opt.node_name);
        conf_destroy(conf);
        return 1;
    }
    if (inventory_discover(&nd.inv, nd.node_conf, &err) < 0) {
        fprintf(stderr, "tessd: %s\n", err.text);
        conf_destroy(conf);
        return 1;
    }
    if (opt.print_inventory) {
        inventory_print(&nd.inv, nd.node_name, stdout);
        inventory_free(&nd.inv);
        conf_destroy(conf);
        return 0;
    }
    log_set_level((enum log_level)(conf->log_level + opt.verbose > 5
                                       ? 5
                                       : conf->log_level + opt.verbose));
    log_current_flags = conf->debug_flags;
    if (opt.is_daemon && (ready_fd = daemonize_begin()) < 0) {
        fprintf(stderr, "tessd: cannot daemonize: %s\n", strerror(errno));
        return 1;
    }
    if (opt.log_path)
        log_path = xstrdup(opt.log_path);
    else if (conf->log_file_noded)
        log_path = spool_path(conf->log_file_noded, nd.node_name);
    if (log_path && log_open_file(log_path) < 0) {
        snprintf(err.text, sizeof(err.text), "cannot open log file %s: %s",
                 log_path, strerror(errno));
        startup_fail(ready_fd, err.text);
    }
    signal(SIGPIPE, SIG_IGN);
    if (!(pw = getpwnam(conf->tess_user))) {
        snprintf(err.text, sizeof(err.text), "%s: TessUser '%s' does not exist",
                 conf->path, conf->tess_user);
        startup_fail(ready_fd, err.text);
    }
    nd.tess_uid = pw->pw_uid;
    nd.spool_dir = spool_path(conf->spool_dir, nd.node_name);
    if (make_dirs(nd.spool_dir, &err) < 0)
        startup_fail(ready_fd, err.text);

    nd.base = event_base_new();
    nd.auth = auth_create(conf->munge_socket);
    if (!(cred = auth_cred_create(nd.auth, &err)))
        startup_fail(ready_fd, err.text);
    free(cred);
    rp.node_name = nd.node_name;
    rp.spool_dir = nd.spool_dir;
    rp.kill_wait_s = conf->kill_wait_s;
    rp.node_addr = nd.node_conf->addr;
    rp.minute_ms = opt.minute_ms;
    if (!(nd.runner = job_runner_create(nd.base, &rp, job_done_cb, &nd, &err)))
        startup_fail(ready_fd, err.text);
    if (!(nd.server = node_server_create(&nd, &err)))
        startup_fail(ready_fd, err.text);
    nd.link = ctld_link_create(&nd);

    sig_term = evsignal_new(nd.base, SIGTERM, stop_cb, &nd);
    sig_int = evsignal_new(nd.base, SIGINT, stop_cb, &nd);
    sig_hup = evsignal_new(nd.base, SIGHUP, hup_cb, &nd);
    event_add(sig_term, NULL);
    event_add(sig_int, NULL);
    event_add(sig_hup, NULL);
    log_info("tessd %s started as node %s (%u cpus, %llu MiB, %u gpus%s)",
             PACKAGE_VERSION, nd.node_name, nd.inv.cpus,
             (unsigned long long)nd.inv.mem_mib, nd.inv.ngpus,
             nd.inv.is_emulated ? ", emulated" : "");
    daemonize_ready(ready_fd);
    event_base_dispatch(nd.base);

    nd.is_stopping = true;
    event_free(sig_hup);
    event_free(sig_int);
    event_free(sig_term);
    ctld_link_destroy(nd.link);
    node_server_destroy(nd.server);
    job_runner_destroy(nd.runner);
    auth_destroy(nd.auth);
    event_base_free(nd.base);
    inventory_free(&nd.inv);
    free(nd.spool_dir);
    free(log_path);
    log_info("stopped");
    conf_destroy(conf);
    log_fini();
    return 0;
}
