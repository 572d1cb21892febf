/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that never returns NULL: on exhaustion it logs and aborts, so
 * callers never check. A restarted daemon recovers from durable state. */
#ifndef TESS_COMMON_XALLOC_H
#define TESS_COMMON_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray: like reallocarray(3), aborting on overflow or exhaustion. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A freshly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route jansson's and libevent's allocations through the same allocator.
 * Call once, before either library allocates. */
void xalloc_install_library_hooks(void);

#define XFREE(p)                                                               \
    do {                                                                       \
        free(p);                                                               \
        (p) = NULL;                                                            \
    } while (0)

#endif
