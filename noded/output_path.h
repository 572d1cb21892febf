/* SPDX-License-Identifier: Apache-2.0 */
/* Expansion of a batch job's -o/-e/-i file name patterns, with Slurm's
 * replacement symbols. Pure: everything it needs comes in the context, so
 * the same pattern always gives the same path.
 *
 *   %j  job id            %x  job name        %u  user name
 *   %N  this node's name  %n  node index in the allocation
 *   %A  array master id: the job id (Tessera has no job arrays yet)
 *   %a  array task index: "0" (Slurm writes 4294967294 for a non-array
 *       job; a zero is what scripts that build file names expect)
 *   %%  a literal '%'
 *
 * A number between '%' and j, n, A or a zero-pads the value to that width
 * ("%5j" -> "00042"); on the other symbols it is ignored. Any other "%X"
 * (including %s, %t and %b, which mean nothing for a batch script) is kept
 * verbatim, as Slurm does. A pattern containing a backslash is not
 * expanded at all: the backslashes are dropped and the rest is taken
 * literally (Slurm's "\\" escape). A relative result is made absolute
 * against the job's working directory. */
#ifndef TESS_NODED_OUTPUT_PATH_H
#define TESS_NODED_OUTPUT_PATH_H

#include <stdint.h>

/* The pattern used when the job names no output file. */
#define OUTPUT_PATH_DEFAULT "tessera-%j.out"

struct output_path_ctx {
    uint32_t job_id;
    const char *job_name;  /* NULL: "" */
    const char *user_name; /* NULL: "" */
    const char *node_name; /* NULL: "" */
    uint32_t node_index;
    const char *work_dir; /* NULL: relative results stay relative */
};

/* Expand 'pattern' (NULL: OUTPUT_PATH_DEFAULT). Returns a new string that
 * belongs to the caller; never fails. Does not block. */
char *output_path_expand(const char *pattern, const struct output_path_ctx *c);

#endif
