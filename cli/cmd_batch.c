/* SPDX-License-Identifier: Apache-2.0 */
/* tess batch (sbatch): read a script's directives and the command line
 * (which wins), submit, and print "Submitted batch job N". With --wait,
 * block until the job ends and exit with its exit code. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/job_opts.h"
#include "common/client.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/job_state.h"
#include "common/xalloc.h"

extern char **environ;

/* Read a whole script (at most 'max' bytes + 1 so oversize is seen). */
static char *read_script(const char *path, size_t *len)
{
    FILE *f = path ? fopen(path, "re") : stdin;
    size_t cap = 65536;
    char *buf;
    size_t n = 0;

    if (!f)
        cli_die("cannot open script %s: %s", path, strerror(errno));
    buf = xmalloc(cap);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= 64u * 1024 * 1024)
            break; /* the parser reports the size */
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    if (ferror(f))
        cli_die("cannot read script %s: %s", path ? path : "(stdin)",
                strerror(errno));
    if (path)
        fclose(f);
    *len = n;
    return buf;
}

static int exit_status_of(json_t *job)
{
    const char *state = json_string_value(json_object_get(job, "state"));
    int code = (int)json_integer_value(json_object_get(job, "exit_code"));
    int sig = (int)json_integer_value(json_object_get(job, "term_signal"));
    enum job_state st = JOB_FAILED;

    if (state)
        job_state_parse(state, &st);
    if (st == JOB_COMPLETED)
        return 0;
    if (code)
        return code;
    return sig ? 128 + sig : 1;
}

int cmd_batch(int argc, char **argv)
{
    struct tess_error err = { "" };
    struct job_opts_cli cli = { 0 };
    struct job_opts_warn warn = { 0 };
    struct job_desc *jd;
    const char *script_path = NULL;
    struct client *c;
    json_t *body;
    json_t *reply;
    uint32_t job_id;
    int rc = 0;

    if (job_opts_scan_argv(argc, argv, &cli, &err) < 0)
        cli_usage_die("%s", err.text);
    if (cli.wants_help) {
        job_opts_print_usage(cli_prog, stdout);
        return 0;
    }
    jd = job_desc_create();
    if (!cli.has_wrap) {
        size_t len = 0;
        char *text;
        if (cli.optind < argc)
            script_path = argv[cli.optind];
        text = read_script(script_path, &len);
        if (job_opts_parse_script(jd, script_path ? script_path : "(stdin)",
                                  text, len, &err) < 0)
            cli_die("%s", err.text);
        free(text);
    }
    if (job_opts_parse_argv(jd, argc, argv, &cli, &err) < 0)
        cli_usage_die("%s", err.text);
    for (int i = cli.optind + 1; i < argc; i++)
        job_desc_add_arg(jd, argv[i]);
    if (!jd->name) {
        const char *base = script_path ? strrchr(script_path, '/') : NULL;
        jd->name = xstrdup(cli.has_wrap ? "wrap"
                           : base       ? base + 1
                           : script_path ? script_path
                                         : "sbatch");
    }
    if (!jd->work_dir) {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
            cli_die("cannot determine the working directory: %s",
                    strerror(errno));
        jd->work_dir = xstrdup(cwd);
    }
    /* --export=ALL (the default): the job gets the environment we have. */
    for (char **e = environ; *e; e++)
        job_desc_add_env(jd, *e);
    job_opts_warnings(jd, &warn);
    job_opts_print_warnings(&warn, cli_prog, stderr);

    if (!(body = job_desc_to_json(jd)))
        cli_die("the job request holds text that is not valid UTF-8");
    c = cli_connect();
    reply = cli_call(c, "job.submit", body);
    job_id = (uint32_t)json_integer_value(json_object_get(reply, "job_id"));
    json_decref(reply);
    printf("Submitted batch job %u\n", job_id);
    fflush(stdout);
    if (jd->wait) {
        reply = cli_call(c, "job.wait",
                         json_pack("{s:i}", "job_id", (int)job_id));
        rc = exit_status_of(reply);
        if (rc != 0)
            fprintf(stderr, "%s: error: job %u ended %s%s%s\n", cli_prog,
                    job_id,
                    json_string_value(json_object_get(reply, "state")),
                    json_object_get(reply, "reason") ? ": " : "",
                    json_object_get(reply, "reason")
                        ? json_string_value(json_object_get(reply, "reason"))
                        : "");
        json_decref(reply);
    }
    client_destroy(c);
    job_desc_destroy(jd);
    return rc;
}
