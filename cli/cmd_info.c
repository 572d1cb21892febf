/* SPDX-License-Identifier: Apache-2.0 */
/* tess info (sinfo): partitions with their nodes grouped by state, or one
 * line per node (-N). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "common/client.h"
#include "common/hostlist.h"
#include "common/parse_time.h"
#include "common/xalloc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTIONS]\n"
            "  -N, --Node          one line per node, with CPUs, memory and "
            "GPUs\n"
            "  -p, --partition P   only this partition\n"
            "  -h, --noheader      no header line\n"
            "      --json          JSON output (partitions and nodes)\n",
            cli_prog);
}

static const char *state_lower(const char *s, char *buf, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    buf[i] = '\0';
    return buf;
}

static json_t *find_node(json_t *nodes, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n) if (!strcmp(
        json_string_value(json_object_get(n, "name")), name)) return n;
    return NULL;
}

static void gpu_summary(json_t *node, char *buf, size_t size)
{
    const char *type;
    json_t *v;
    size_t n = 0;

    buf[0] = '\0';
    json_object_foreach(json_object_get(node, "gpus"), type, v)
    {
        int rc = snprintf(buf + n, size - n, "%s%s:%lld(%lld used)",
                          n ? "," : "", type,
                          (long long)json_integer_value(
                              json_object_get(v, "total")),
                          (long long)json_integer_value(
                              json_object_get(v, "alloc")));
        if (rc < 0 || (size_t)rc >= size - n)
            break;
        n += (size_t)rc;
    }
    if (!n)
        snprintf(buf, size, "(none)");
}

static void print_partitions(json_t *parts, json_t *nodes,
                             const char *only, bool with_header)
{
    static const char *const headers[] = { "PARTITION", "AVAIL", "TIMELIMIT",
                                           "NODES",     "STATE", "NODELIST",
                                           NULL };
    static const char *const order[] = { "IDLE", "MIXED", "ALLOCATED", "DOWN",
                                         "UNKNOWN", NULL };
    struct table *t = table_create(headers);
    size_t i;
    json_t *p;

    json_array_foreach(parts, i, p)
    {
        const char *pname = json_string_value(json_object_get(p, "name"));
        json_t *pn = json_object_get(p, "nodes");
        char name[128], limit[32], avail[16];

        if (only && strcmp(only, pname) != 0)
            continue;
        snprintf(name, sizeof(name), "%s%s", pname,
                 json_is_true(json_object_get(p, "default")) ? "*" : "");
        format_time_limit(
            (uint32_t)json_integer_value(json_object_get(p, "max_time_min")),
            limit, sizeof(limit));
        state_lower(json_string_value(json_object_get(p, "state")), avail,
                    sizeof(avail));
        for (const char *const *st = order; *st; st++) {
            char **names = xcalloc(json_array_size(pn) + 1, sizeof(char *));
            size_t count = 0;
            size_t k;
            json_t *nn;
            char state[16], num[24];
            char *list;
            const char *cells[7];

            json_array_foreach(pn, k, nn)
            {
                json_t *node = find_node(nodes, json_string_value(nn));
                if (node && !strcmp(json_string_value(
                                        json_object_get(node, "state")),
                                    *st))
                    names[count++] = (char *)json_string_value(nn);
            }
            if (count) {
                list = hostlist_compress(names, count);
                snprintf(num, sizeof(num), "%zu", count);
                cells[0] = name;
                cells[1] = avail;
                cells[2] = limit;
                cells[3] = num;
                cells[4] = state_lower(*st, state, sizeof(state));
                cells[5] = list;
                cells[6] = NULL;
                table_add(t, cells);
                free(list);
            }
            free(names);
        }
    }
    table_print(t, stdout, with_header);
    table_destroy(t);
}

static void print_nodes(json_t *nodes, json_t *parts, const char *only,
                        bool with_header)
{
    static const char *const headers[] = { "NODELIST", "STATE", "CPUS(A/T)",
                                           "MEMORY",   "GPUS",  "REASON",
                                           NULL };
    struct table *t = table_create(headers);
    json_t *members = NULL;
    size_t i;
    json_t *n;

    if (only) {
        json_array_foreach(parts, i, n) if (!strcmp(
            json_string_value(json_object_get(n, "name")),
            only)) members = json_object_get(n, "nodes");
        if (!members)
            cli_die("partition '%s' does not exist", only);
    }
    json_array_foreach(nodes, i, n)
    {
        char cpus[32], mem[32], gpus[256], state[16];
        const char *reason = json_string_value(json_object_get(n, "reason"));
        const char *cells[7];

        if (members) {
            bool found = false;
            size_t k;
            json_t *m;
            json_array_foreach(members, k, m) if (!strcmp(
                json_string_value(m),
                json_string_value(json_object_get(n, "name")))) found = true;
            if (!found)
                continue;
        }
        snprintf(cpus, sizeof(cpus), "%lld/%lld",
                 (long long)json_integer_value(json_object_get(n, "cpus_alloc")),
                 (long long)json_integer_value(json_object_get(n, "cpus")));
        snprintf(mem, sizeof(mem), "%lldM",
                 (long long)json_integer_value(json_object_get(n, "mem_mib")));
        gpu_summary(n, gpus, sizeof(gpus));
        cells[0] = json_string_value(json_object_get(n, "name"));
        cells[1] = state_lower(json_string_value(json_object_get(n, "state")),
                               state, sizeof(state));
        cells[2] = cpus;
        cells[3] = mem;
        cells[4] = gpus;
        cells[5] = reason ? reason : "";
        cells[6] = NULL;
        table_add(t, cells);
    }
    table_print(t, stdout, with_header);
    table_destroy(t);
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "Node", no_argument, NULL, 'N' },
        { "partition", required_argument, NULL, 'p' },
        { "noheader", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 },
    };
    bool node_view = false;
    bool with_header = true;
    bool as_json = false;
    const char *only = NULL;
    struct client *c;
    json_t *nodes;
    json_t *parts;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "Np:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'N':
            node_view = true;
            break;
        case 'p':
            only = optarg;
            break;
        case 'h':
            with_header = false;
            break;
        case 'J':
            as_json = true;
            break;
        case 'H':
            usage(stdout);
            return 0;
        default:
            cli_bad_option(argv);
        }
    }
    c = cli_connect();
    nodes = cli_call(c, "node.list", NULL);
    parts = cli_call(c, "partition.list", NULL);
    client_destroy(c);
    if (as_json) {
        json_t *o = json_pack("{s:O, s:O}", "partitions",
                              json_object_get(parts, "partitions"), "nodes",
                              json_object_get(nodes, "nodes"));
        format_json(o, stdout);
        json_decref(o);
    } else if (node_view) {
        print_nodes(json_object_get(nodes, "nodes"),
                    json_object_get(parts, "partitions"), only, with_header);
    } else {
        print_partitions(json_object_get(parts, "partitions"),
                         json_object_get(nodes, "nodes"), only, with_header);
    }
    json_decref(nodes);
    json_decref(parts);
    return 0;
}
