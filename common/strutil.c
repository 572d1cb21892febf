/* SPDX-License-Identifier: Apache-2.0 */
/* String helpers: bounded copy, log escaping, strict number parsing. */
#include "config.h"

#include "common/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

size_t str_copy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

char *str_escape(const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    char *out = xmalloc(len * 4 + 4);
    char *o = out;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0xf];
        } else {
            *o++ = (char)c;
        }
    }
    if (s[len] != '\0') {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

bool str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_to_u64(const char *s, unsigned long long min, unsigned long long max,
               unsigned long long *out)
{
    char *end = NULL;
    unsigned long long v;

    if (!s || !isdigit((unsigned char)s[0])) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE || v < min || v > max) {
        errno = ERANGE;
        return -1;
    }
    if (*end != '\0') {
        errno = EINVAL;
        return -1;
    }
    *out = v;
    return 0;
}
