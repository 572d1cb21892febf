/* SPDX-License-Identifier: Apache-2.0 */
/* tess_error formatting; errno is preserved across every call. */
#include "config.h"

#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tess_errprintf(struct tess_error *err, const char *fmt, ...)
{
    int saved_errno = errno;
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
        va_end(ap);
    }
    errno = saved_errno;
    return -1;
}

int tess_errprefix(struct tess_error *err, const char *fmt, ...)
{
    int saved_errno = errno;
    char prefix[256];
    size_t plen;
    size_t tlen;
    va_list ap;

    if (err) {
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        plen = strlen(prefix);
        if (plen + 2 < sizeof(err->text)) {
            /* Shift the old text right and drop what no longer fits. */
            tlen = strnlen(err->text, sizeof(err->text) - 1);
            if (plen + 2 + tlen > sizeof(err->text) - 1)
                tlen = sizeof(err->text) - 1 - plen - 2;
            memmove(err->text + plen + 2, err->text, tlen);
            memcpy(err->text, prefix, plen);
            err->text[plen] = ':';
            err->text[plen + 1] = ' ';
            err->text[plen + 2 + tlen] = '\0';
        }
    }
    errno = saved_errno;
    return -1;
}
