/* SPDX-License-Identifier: Apache-2.0 */
/* tess: one binary, a table of subcommands. Invoked as sbatch, squeue,
 * sinfo or scancel (symlinks), it runs the matching subcommand. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/client.h"
#include "common/conf.h"
#include "common/error.h"
#include "common/strutil.h"
#include "common/xalloc.h"

struct cli_cmd {
    const char *name;
    const char *slurm_name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static const struct cli_cmd commands[] = {
    { "batch", "sbatch", "submit a batch script", cmd_batch },
    { "cancel", "scancel", "cancel jobs", cmd_cancel },
    { "info", "sinfo", "show partitions and nodes", cmd_info },
    { "local", NULL, "run a local emulated cluster", cmd_local },
    { "queue", "squeue", "show pending and running jobs", cmd_queue },
    { "show", NULL, "show a job, node or partition in detail", cmd_show },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_prog = "tess";

static void vmessage(const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vmessage(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s: ", cli_prog, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error", fmt, ap);
    va_end(ap);
    exit(1);
}

void cli_usage_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error", fmt, ap);
    va_end(ap);
    exit(2);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning", fmt, ap);
    va_end(ap);
}

static struct conf *loaded_conf;

static void free_conf(void)
{
    conf_destroy(loaded_conf);
}

const struct conf *cli_conf(void)
{
    struct tess_error err = { "" };
    const char *path = getenv("TESS_CONF");

    if (loaded_conf)
        return loaded_conf;
    if (!path)
        path = TESS_SYSCONFDIR "/tessera.conf";
    if (!(loaded_conf = conf_load(path, &err)))
        cli_die("%s", err.text);
    atexit(free_conf);
    return loaded_conf;
}

struct client *cli_connect(void)
{
    struct tess_error err = { "" };
    struct client *c = client_connect_ctld(cli_conf(), &err);
    if (!c)
        cli_die("%s", err.text);
    return c;
}

json_t *cli_call(struct client *c, const char *op, json_t *body)
{
    struct tess_error err = { "" };
    json_t *reply = NULL;

    if (client_call(c, op, body, &reply, 60000, &err) < 0) {
        client_destroy(c);
        cli_die("%s", err.text);
    }
    return reply;
}

void cli_bad_option(char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (optopt && arg[0] == '-' && arg[1] != '-')
        cli_usage_die("unrecognized option or missing argument '-%c' (see "
                      "--help)",
                      optopt);
    cli_usage_die("unrecognized option or missing argument '%s' (see --help)",
                  arg);
}

uint32_t cli_parse_job_id(const char *s)
{
    unsigned long long v;
    if (str_to_u64(s, 1, UINT32_MAX, &v) < 0)
        cli_usage_die("invalid job id '%s'", s);
    return (uint32_t)v;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: tess COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s%s%s%s\n", commands[i].name,
                commands[i].summary, commands[i].slurm_name ? " (like " : "",
                commands[i].slurm_name ? commands[i].slurm_name : "",
                commands[i].slurm_name ? ")" : "");
    fprintf(out, "\n'tess COMMAND --help' describes each command. The "
                 "configuration comes from $TESS_CONF (default "
                 "%s/tessera.conf).\n",
            TESS_SYSCONFDIR);
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1
                                             : argv[0];
    static char prog[64];

    xalloc_install_library_hooks();
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (commands[i].slurm_name && !strcmp(base, commands[i].slurm_name)) {
            cli_prog = commands[i].slurm_name;
            return commands[i].run(argc, argv);
        }
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tess %s\n", PACKAGE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            snprintf(prog, sizeof(prog), "tess %s", commands[i].name);
            cli_prog = prog;
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "tess: error: unknown command '%s' (see 'tess --help')\n",
            argv[1]);
    return 2;
}
