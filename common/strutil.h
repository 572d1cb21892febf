/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers that Debian 12's glibc lacks. */
#ifndef TESS_COMMON_STRUTIL_H
#define TESS_COMMON_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Copy src into dst (size bytes), always NUL-terminating. Returns
 * strlen(src); a result >= size means the copy was truncated. */
size_t str_copy(char *dst, const char *src, size_t size);

/* A copy of 's' safe to put in a log line: control characters, quotes
 * and backslashes are escaped, and at most 'max' input bytes are kept.
 * The result belongs to the caller. */
char *str_escape(const char *s, size_t max);

/* True if 's' starts with 'prefix'. */
bool str_starts_with(const char *s, const char *prefix);

/* Parse a whole decimal unsigned number in [min, max]. Leading and
 * trailing garbage, signs and overflow are errors (-1, errno EINVAL or
 * ERANGE). */
int str_to_u64(const char *s, unsigned long long min, unsigned long long max,
               unsigned long long *out);

#endif
