/* SPDX-License-Identifier: Apache-2.0 */
/* tess cancel (scancel): cancel jobs by id. Every id is tried; the exit
 * status is 1 if any failed. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "common/client.h"
#include "common/error.h"

int cmd_cancel(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct client *c;
    int rc = 0;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            printf("Usage: %s JOBID...\n", cli_prog);
            return 0;
        }
        cli_bad_option(argv);
    }
    if (optind >= argc)
        cli_usage_die("no job id given");
    for (int i = optind; i < argc; i++)
        cli_parse_job_id(argv[i]);
    c = cli_connect();
    for (int i = optind; i < argc; i++) {
        struct tess_error err = { "" };
        uint32_t id = cli_parse_job_id(argv[i]);
        if (client_call(c, "job.cancel", json_pack("{s:i}", "job_id", (int)id),
                        NULL, 60000, &err) < 0) {
            fprintf(stderr, "%s: error: %s\n", cli_prog, err.text);
            rc = 1;
        }
    }
    client_destroy(c);
    return rc;
}
