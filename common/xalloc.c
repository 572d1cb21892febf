/* SPDX-License-Identifier: Apache-2.0 */
/* Aborting allocators. Out of memory is not a recoverable condition for a
 * daemon whose state is durable; dying loudly beats untested NULL paths. */
#include "config.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

static void oom(size_t size)
{
    char msg[96];
    int n = snprintf(msg, sizeof(msg), "fatal: out of memory (%zu bytes)\n",
                     size);
    if (n > 0)
        (void)!write(STDERR_FILENO, msg, (size_t)n);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        oom(SIZE_MAX);
    return xrealloc(ptr, nmemb * size);
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom(strlen(s) + 1);
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom(n + 1);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom(0);
    va_end(ap);
    return s;
}

static void *lib_realloc(void *p, size_t size)
{
    return xrealloc(p, size);
}

void xalloc_install_library_hooks(void)
{
    json_set_alloc_funcs(xmalloc, free);
    event_set_mem_functions(xmalloc, lib_realloc, free);
}
