/* SPDX-License-Identifier: Apache-2.0 */
/* The job option parser shared by `tess batch` (and later run, alloc and
 * quote): command-line options and #SBATCH / #TESS script directives, with
 * Slurm's syntax and semantics, turned into a struct job_desc.
 *
 * The command line wins over directives. Callers get that by applying the
 * script first and the command line second, over the same job_desc:
 *
 *     struct job_opts_cli cli;
 *     if (job_opts_scan_argv(argc, argv, &cli, &err) < 0)   // find SCRIPT
 *         usage error;
 *     if (cli.wants_help)
 *         job_opts_print_usage("tess batch", stdout), exit 0;
 *     jd = job_desc_create();
 *     if (!cli.has_wrap) {
 *         read argv[cli.optind] (stdin when cli.optind == argc);
 *         job_opts_parse_script(jd, path, text, len, &err);
 *     }
 *     job_opts_parse_argv(jd, argc, argv, &cli, &err);       // argv wins
 *     add argv[cli.optind + 1 ..] with job_desc_add_arg();
 *     job_opts_warnings(jd, &warn);
 *     job_opts_print_warnings(&warn, "tess batch", stderr);
 *
 * Options that belong together are replaced as a group: a later source
 * that names any of --mem/--mem-per-cpu/--mem-per-gpu replaces the whole
 * memory request of an earlier one, and likewise any of --gpus,
 * --gpus-per-node, --gpus-per-task and --gres the whole GPU request (as
 * Slurm does). Naming two of one group in the same source is an error.
 * Within one source a repeated option takes its last value.
 *
 * Nothing here reads files or the environment or prints, except the two
 * print functions. */
#ifndef TESS_CLI_JOB_OPTS_H
#define TESS_CLI_JOB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct job_desc;
struct tess_error;

/* What the command line holds besides options. */
struct job_opts_cli {
    int optind;      /* index of the first operand (the script path), or
                      * argc when there is none */
    bool has_wrap;   /* --wrap given: there is no script file to read */
    bool wants_help; /* -h/--help given (parsing stopped there) */
};

/* Parse options in argv[1..argc) into jd, as getopt would with a leading
 * '+': parsing stops at the first operand or after "--", and cli->optind
 * says where. Accepted forms: --opt VALUE, --opt=VALUE, unique prefixes
 * of long names (--part=gpu), -J NAME, -JNAME and bundled flags (-HW).
 * With --wrap no operands may follow. On success jd holds the result and
 * *cli is filled; on failure returns -1 with errno EINVAL, err saying why
 * ("unrecognized option '--foo'", "--time: bad time limit 'x': ...") and
 * neither jd nor cli changed. Reads the clock (for --begin); no I/O. */
int job_opts_parse_argv(struct job_desc *jd, int argc, char *const *argv,
                        struct job_opts_cli *cli, struct tess_error *err);

/* job_opts_parse_argv into a scratch job_desc that is thrown away: finds
 * the script operand (and reports bad options) before the script is read.
 * Returns 0 or -1 with errno EINVAL and err. */
int job_opts_scan_argv(int argc, char *const *argv, struct job_opts_cli *cli,
                       struct tess_error *err);

/* Apply the directives of a batch script (text[0..len), 'path' only names
 * it in messages) to jd and store the text as jd->script. The text must
 * start with "#!", be valid UTF-8 without NUL bytes or DOS line breaks,
 * and be at most JOB_SCRIPT_MAX bytes. Directives are lines that start, in
 * column 1, with "#SBATCH" or "#TESS" followed by a blank or the end of
 * the line; each may hold several options, with shell quoting ('...',
 * "...", backslash) and a trailing comment after a blank and '#'. Blank
 * lines and other comments (an indented "#SBATCH" included) keep the
 * directive block open; the first other line closes it, and directives
 * after it are ignored, as in sbatch. --wrap and --help are refused.
 * Returns 0, or -1 with errno EINVAL, err as "PATH:LINE: ..." and jd
 * unchanged. Reads the clock (for --begin); no I/O. */
int job_opts_parse_script(struct job_desc *jd, const char *path,
                          const char *text, size_t len, struct tess_error *err);

/* Options that are accepted but that this version does not act on. */
#define JOB_OPTS_WARN_MAX 16

struct job_opts_warning {
    const char *option;      /* "--array" */
    const char *consequence; /* "the job runs once" */
};

struct job_opts_warn {
    size_t count;
    struct job_opts_warning item[JOB_OPTS_WARN_MAX];
};

/* Fill warn with one entry per not-yet-acted-on option that is in effect
 * in jd (after all sources were applied, so an overridden option does not
 * warn; --export warns unless it is ALL). The strings are static. */
void job_opts_warnings(const struct job_desc *jd, struct job_opts_warn *warn);

/* Print each warning as "CMD: warning: --array is accepted but not yet
 * acted on; the job runs once". */
void job_opts_print_warnings(const struct job_opts_warn *warn, const char *cmd,
                             FILE *fp);

/* Print the usage text for `CMD --help`: one line per option, generated
 * from the option table; options not yet acted on are marked "(*)". */
void job_opts_print_usage(const char *cmd, FILE *fp);

#endif
