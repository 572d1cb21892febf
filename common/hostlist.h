/* SPDX-License-Identifier: Apache-2.0 */
/* Slurm-style hostlist expressions: "rig[01-16]", "dgx[1,3,5-7],rig01".
 * Expansion keeps order and zero padding; compression groups neighbouring
 * hosts that share a prefix, suffix and padding into ranges, so
 * compress(expand(x)) == x for any x in canonical form. */
#ifndef TESS_COMMON_HOSTLIST_H
#define TESS_COMMON_HOSTLIST_H

#include <stddef.h>

struct tess_error;

/* Hard cap on the number of hosts one expression may expand to, so that
 * "n[0-999999999]" from a peer cannot exhaust memory. */
#define HOSTLIST_MAX_HOSTS 1000000

/* Expand 'expr' into a NULL-terminated array of names (caller frees with
 * hostlist_free). *count receives the number of names. Items are
 * separated by commas; each is text with any number of bracket groups of
 * comma-separated "N" or "N-M" ranges ("r[1-2]n[1,4]-ib"), the last group
 * varying fastest. A range's zero padding is the width of N as written.
 * Names are printable ASCII without blanks, at most 255 characters;
 * numbers have at most 18 digits. Returns NULL with errno EINVAL (bad
 * syntax, including "") or E2BIG (over HOSTLIST_MAX_HOSTS) and err naming
 * the problem and its column, e.g. "bad hostlist 'n[5-3]': range 5-3 is
 * reversed (column 3)"; *count is untouched then. Never blocks. */
char **hostlist_expand(const char *expr, size_t *count,
                       struct tess_error *err);

/* Compress 'n' names into one expression. The result belongs to the
 * caller; n == 0 gives "". Only neighbouring names merge: a run of names
 * that differ only in their last number becomes prefix[ranges]suffix, and
 * numbers join a range while consecutive and printed with the same zero
 * padding ({rig01,rig02,rig03,rig05} -> "rig[01-03,05]"). So order and
 * duplicates are kept and expand(compress(names)) == names for any names
 * hostlist_expand accepts (no ',', '[', ']' or blanks); sort by prefix,
 * then number, for the shortest result. O(total length of the names). */
char *hostlist_compress(char *const *names, size_t n);

/* Free an array from hostlist_expand. Accepts NULL; keeps errno. */
void hostlist_free(char **names);

#endif
