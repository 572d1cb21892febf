/* SPDX-License-Identifier: Apache-2.0 */
/* The option parser's internals that the directive reader shares:
 * job_opts.c owns the option table and applies option words to a job_desc;
 * job_script.c reads a batch script, splits each directive into words and
 * hands them over. One struct opt_parse is one parse of one source (the
 * command line, or a whole script): it holds the private copy of the
 * job_desc that is swapped in only when the whole source was good, and,
 * for a script, the path and line that prefix every message. Never
 * installed. */
#ifndef TESS_CLI_JOB_OPTS_PRIVATE_H
#define TESS_CLI_JOB_OPTS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job_desc;
struct opt_row;
struct tess_error;

/* Options that replace each other as a whole (see job_opts.h). */
enum opt_group {
    GROUP_NONE = 0,
    GROUP_MEM,
    GROUP_GPU,
    GROUP_COUNT,
};

/* One parse of one source (the command line, or one script). */
struct opt_parse {
    struct job_desc *jd; /* the private copy being changed */
    const char *path;    /* the script; NULL for the command line */
    unsigned line;       /* in the script, for messages */
    int64_t now;         /* for --begin */
    const struct opt_row *group_row[GROUP_COUNT]; /* who set each group */
    bool has_wrap;
    bool wants_help;
    struct tess_error *err;
};

/* Fill ps->err, "PATH:LINE: " first in a script; errno EINVAL; returns -1. */
int job_opts_fail(struct opt_parse *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Length of the valid UTF-8 sequence at s (avail >= 1 bytes), else 0. */
size_t job_opts_utf8_seq_len(const unsigned char *s, size_t avail);

/* Apply options words[first..n) to ps->jd; *stop = first operand's index
 * (in a script, an operand is an error). Returns 0, or -1 via job_opts_fail. */
int job_opts_parse_words(struct opt_parse *ps, int n, char *const *words,
                         int first, int *stop);

/* Swap the parsed copy into jd and destroy jd's old contents with it. */
void job_opts_commit(struct job_desc *jd, struct job_desc *copy);

#endif
