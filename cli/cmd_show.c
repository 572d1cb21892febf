/* SPDX-License-Identifier: Apache-2.0 */
/* tess show job|node|partition NAME (like scontrol show): every field,
 * as key=value lines for people or as JSON. `show job --json` prints the
 * request exactly as the controller understood it. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "common/client.h"
#include "common/conf.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [--json] job ID | node NAME | partition NAME\n"
            "       %s config\n",
            cli_prog, cli_prog);
}

/* key=value for scalars, nested objects flattened with dots. */
static void print_flat(const char *prefix, json_t *o)
{
    const char *key;
    json_t *v;

    json_object_foreach(o, key, v)
    {
        char name[256];
        snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "",
                 key);
        if (json_is_object(v)) {
            print_flat(name, v);
        } else if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (strchr(s, '\n'))
                printf("%s=<%zu bytes>\n", name, strlen(s));
            else
                printf("%s=%s\n", name, s);
        } else {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s=%s\n", name, text ? text : "?");
            free(text);
        }
    }
}

static json_t *find_named(json_t *arr, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) if (!strcmp(
        json_string_value(json_object_get(o, "name")), name)) return o;
    return NULL;
}

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool as_json = false;
    const char *what;
    const char *name;
    struct client *c;
    json_t *reply;
    json_t *obj = NULL;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'J') {
            as_json = true;
        } else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else {
            cli_bad_option(argv);
        }
    }
    if (argc - optind == 1 && !strcmp(argv[optind], "config")) {
        /* The configuration this CLI reads, every key with its value. */
        conf_print(cli_conf(), stdout);
        return 0;
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    what = argv[optind];
    name = argv[optind + 1];
    if (strcmp(what, "job") && strcmp(what, "node") &&
        strcmp(what, "partition"))
        cli_usage_die("cannot show '%s': expected job, node or partition",
                      what);
    c = cli_connect();
    if (!strcmp(what, "job")) {
        reply = cli_call(c, "job.get",
                         json_pack("{s:i}", "job_id",
                                   (int)cli_parse_job_id(name)));
        obj = json_incref(reply);
    } else if (!strcmp(what, "node")) {
        reply = cli_call(c, "node.list", NULL);
        obj = json_incref(find_named(json_object_get(reply, "nodes"), name));
        if (!obj)
            cli_die("node '%s' does not exist", name);
    } else {
        reply = cli_call(c, "partition.list", NULL);
        obj = json_incref(
            find_named(json_object_get(reply, "partitions"), name));
        if (!obj)
            cli_die("partition '%s' does not exist", name);
    }
    client_destroy(c);
    if (as_json)
        format_json(obj, stdout);
    else
        print_flat("", obj);
    json_decref(obj);
    json_decref(reply);
    return 0;
}
