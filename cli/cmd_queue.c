/* SPDX-License-Identifier: Apache-2.0 */
/* tess queue (squeue): pending and running jobs, oldest first. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "common/client.h"
#include "common/job_state.h"
#include "common/parse_time.h"
#include "common/xalloc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTIONS]\n"
            "  -u, --user NAME     only this user's jobs\n"
            "      --me            only my jobs\n"
            "  -t, --states LIST   states (PD,R,CD,F,CA,TO,NF or ALL; "
            "default PD,R,CG)\n"
            "  -p, --partition P   only this partition\n"
            "  -j, --jobs IDS      only these job ids (comma list)\n"
            "  -h, --noheader      no header line\n"
            "      --json          JSON output\n",
            cli_prog);
}

static json_t *parse_states(const char *list)
{
    json_t *a = json_array();
    char *copy = xstrdup(list);
    char *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        enum job_state s;
        if (!strcasecmp(tok, "all")) {
            for (int i = 0; i < JOB_STATE_COUNT; i++)
                json_array_append_new(
                    a, json_string(job_state_name((enum job_state)i)));
            continue;
        }
        if (job_state_parse(tok, &s) < 0)
            cli_usage_die("--states: unknown state '%s'", tok);
        json_array_append_new(a, json_string(job_state_name(s)));
    }
    free(copy);
    return a;
}

static bool id_wanted(const char *ids, int id)
{
    char buf[16];
    const char *p = ids;
    size_t len;

    if (!ids)
        return true;
    snprintf(buf, sizeof(buf), "%d", id);
    len = strlen(buf);
    while (p && *p) {
        if (!strncmp(p, buf, len) && (p[len] == ',' || p[len] == '\0'))
            return true;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return false;
}

int cmd_queue(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "user", required_argument, NULL, 'u' },
        { "me", no_argument, NULL, 'M' },
        { "states", required_argument, NULL, 't' },
        { "partition", required_argument, NULL, 'p' },
        { "jobs", required_argument, NULL, 'j' },
        { "noheader", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const headers[] = { "JOBID", "PARTITION", "NAME",
                                           "USER",  "ST",        "TIME",
                                           "NODES", "NODELIST(REASON)",
                                           NULL };
    json_t *body = json_object();
    const char *partition = NULL;
    const char *ids = NULL;
    bool with_header = true;
    bool as_json = false;
    struct client *c;
    json_t *reply;
    json_t *jobs;
    json_t *out;
    struct table *t;
    size_t i;
    json_t *j;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "u:t:p:j:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            json_object_set_new(body, "user", json_string(optarg));
            break;
        case 'M': {
            const char *u = getenv("USER");
            if (u)
                json_object_set_new(body, "user", json_string(u));
            break;
        }
        case 't':
            json_object_set_new(body, "states", parse_states(optarg));
            break;
        case 'p':
            partition = optarg;
            break;
        case 'j':
            ids = optarg;
            json_object_set_new(body, "states", parse_states("all"));
            break;
        case 'h':
            with_header = false;
            break;
        case 'J':
            as_json = true;
            break;
        case 'H':
            usage(stdout);
            json_decref(body);
            return 0;
        default:
            json_decref(body);
            cli_bad_option(argv);
        }
    }
    c = cli_connect();
    /* Fetch every page (the controller caps each reply). */
    reply = json_pack("{s:[]}", "jobs");
    jobs = json_object_get(reply, "jobs");
    for (;;) {
        json_t *page = cli_call(c, "job.list", json_deep_copy(body));
        json_t *next = json_object_get(page, "next_after");
        json_array_extend(jobs, json_object_get(page, "jobs"));
        if (!json_is_integer(next)) {
            json_decref(page);
            break;
        }
        json_object_set(body, "after_id", next);
        json_decref(page);
    }
    json_decref(body);
    client_destroy(c);
    out = json_array();
    json_array_foreach(jobs, i, j)
    {
        const char *p = json_string_value(json_object_get(j, "partition"));
        if (partition && (!p || strcmp(p, partition) != 0))
            continue;
        if (!id_wanted(ids, (int)json_integer_value(
                                json_object_get(j, "job_id"))))
            continue;
        json_array_append(out, j);
    }
    if (as_json) {
        json_t *o = json_pack("{s:o}", "jobs", out);
        format_json(o, stdout);
        json_decref(o);
        json_decref(reply);
        return 0;
    }
    t = table_create(headers);
    json_array_foreach(out, i, j)
    {
        char id[16], tm[32], nodes[16], where[512];
        enum job_state st = JOB_PENDING;
        int64_t start = json_integer_value(json_object_get(j, "start_time"));
        int64_t end = json_integer_value(json_object_get(j, "end_time"));
        const char *nodelist =
            json_string_value(json_object_get(j, "nodelist"));
        const char *reason = json_string_value(json_object_get(j, "reason"));
        const char *cells[9];

        job_state_parse(json_string_value(json_object_get(j, "state")), &st);
        snprintf(id, sizeof(id), "%lld",
                 (long long)json_integer_value(json_object_get(j, "job_id")));
        if (start)
            format_duration((end ? end : (int64_t)time(NULL)) - start, tm,
                            sizeof(tm));
        else
            snprintf(tm, sizeof(tm), "0:00");
        snprintf(nodes, sizeof(nodes), "%lld",
                 (long long)json_integer_value(json_object_get(j, "nodes")));
        if (st == JOB_PENDING)
            snprintf(where, sizeof(where), "(%s)", reason ? reason : "None");
        else
            snprintf(where, sizeof(where), "%s", nodelist ? nodelist : "");
        cells[0] = id;
        cells[1] = json_string_value(json_object_get(j, "partition"));
        cells[2] = json_string_value(json_object_get(j, "name"));
        cells[3] = json_string_value(json_object_get(j, "user"));
        cells[4] = job_state_code(st);
        cells[5] = tm;
        cells[6] = nodes;
        cells[7] = where;
        cells[8] = NULL;
        table_add(t, cells);
    }
    table_print(t, stdout, with_header);
    table_destroy(t);
    json_decref(out);
    json_decref(reply);
    return 0;
}
