/* SPDX-License-Identifier: Apache-2.0 */
/* What every tess subcommand shares: the program name for messages, the
 * configuration, the controller connection, and the error convention
 * (one line "tess CMD: error: ...", exit 1; usage errors exit 2). */
#ifndef TESS_CLI_CLI_H
#define TESS_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct client;
struct conf;

/* "tess batch" or "sbatch": set by main before the handler runs. */
extern const char *cli_prog;

void cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));
void cli_usage_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The configuration from $TESS_CONF or the installed default; dies with
 * the parser's message. Loaded once. */
const struct conf *cli_conf(void);
/* Connect to the controller or die naming the address tried. */
struct client *cli_connect(void);
/* Call op, die on failure with the controller's text. Returns the reply
 * body (new reference). */
json_t *cli_call(struct client *c, const char *op, json_t *body);

/* getopt_long returned '?': die with one usage line naming the argument
 * (the commands set opterr = 0 so getopt prints nothing itself). */
void cli_bad_option(char **argv) __attribute__((noreturn));

/* Parse a job id argument or die. */
uint32_t cli_parse_job_id(const char *s);

int cmd_batch(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_local(int argc, char **argv);
int cmd_queue(int argc, char **argv);
int cmd_show(int argc, char **argv);

#endif
