/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for batch script directives (cli/job_opts.c) and the
 * job.submit codec behind them.
 *
 * The input is a script; when the low bit of its first byte is set, it
 * gets a "#!/bin/sh\n" prefix so that most runs reach the directive
 * parser. Its lines are then also tried as a command line over the same
 * job. The property: whatever the parser accepts, the codec must encode,
 * decode and re-encode to the same JSON; anything else aborts. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/job_opts.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/xalloc.h"

/* Words of the command-line pass, at most. */
#define FUZZ_MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const struct tess_error *err)
{
    fprintf(stderr, "fuzz_directives: %s%s%s\n", what, err ? ": " : "",
            err ? err->text : "");
    abort();
}

/* The codec must carry everything the parser accepted, unchanged. */
static void check_round_trip(const struct job_desc *jd)
{
    struct tess_error err = { "" };
    struct job_opts_warn warn;
    struct job_desc *back = NULL;
    json_t *o = job_desc_to_json(jd);
    json_t *o2 = NULL;
    json_t *parsed = NULL;
    char *text = NULL;

    if (!o)
        die("job_desc_to_json failed on accepted input", NULL);
    if (!(text = json_dumps(o, JSON_COMPACT)) ||
        !(parsed = json_loads(text, 0, NULL)))
        die("JSON text does not load back", NULL);
    if (!(back = job_desc_from_json(parsed, &err)))
        die("job_desc_from_json rejected accepted input", &err);
    if (!(o2 = job_desc_to_json(back)) || !json_equal(o, o2))
        die("round trip changed the job", NULL);
    job_opts_warnings(jd, &warn);
    if (warn.count > JOB_OPTS_WARN_MAX)
        die("too many warnings", NULL);
    json_decref(o);
    json_decref(o2);
    json_decref(parsed);
    free(text);
    job_desc_destroy(back);
}

/* Apply the script's lines as command-line words (argv[0] is a name). */
static void try_argv(struct job_desc *jd, const char *text, size_t len)
{
    struct tess_error err = { "" };
    struct job_opts_cli cli;
    char *argv[FUZZ_MAX_WORDS + 2];
    int argc = 0;
    size_t pos = 0;

    argv[argc++] = xstrdup("batch");
    while (pos < len && argc <= FUZZ_MAX_WORDS) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

        argv[argc++] = xstrndup(text + pos, n);
        pos += n + 1;
    }
    argv[argc] = NULL;
    if (job_opts_parse_argv(jd, argc, argv, &cli, &err) == 0) {
        if (cli.optind < 1 || cli.optind > argc)
            die("optind out of range", NULL);
        if (jd->script)
            check_round_trip(jd);
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char shebang[] = "#!/bin/sh\n";
    size_t prefix = size > 0 && (data[0] & 1) ? sizeof(shebang) - 1 : 0;
    size_t len = prefix + size;
    char *text = xmalloc(len + 1);
    struct tess_error err = { "" };
    struct job_desc *jd = job_desc_create();

    memcpy(text, shebang, prefix);
    if (size > 0)
        memcpy(text + prefix, data, size);
    text[len] = '\0';

    if (job_opts_parse_script(jd, "fuzz.sh", text, len, &err) == 0) {
        if (!jd->script || memcmp(jd->script, text, len) != 0)
            die("script text not kept", NULL);
        check_round_trip(jd);
        try_argv(jd, text, len);
    } else if (jd->script) {
        die("failed parse changed the job", NULL);
    }
    job_desc_destroy(jd);
    free(text);
    return 0;
}
