/* SPDX-License-Identifier: Apache-2.0 */
/* A human-readable failure description that travels with errno.
 * Functions whose failures a person reads take 'struct tess_error *err' as
 * their last parameter; err may be NULL when the caller does not care. */
#ifndef TESS_COMMON_ERROR_H
#define TESS_COMMON_ERROR_H

struct tess_error {
    char text[512];
};

/* Fill err (if non-NULL) with the formatted text. Preserves errno and
 * returns -1, so a failing function can 'return tess_errprintf(...)'. */
int tess_errprintf(struct tess_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix err's text with "prefix: " (keeps errno). Returns -1. */
int tess_errprefix(struct tess_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
