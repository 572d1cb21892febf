/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for common/hostlist.c.
 *
 * Any input either fails cleanly or expands; when it expands, compressing
 * and expanding again must give the same names in the same order, since
 * hostlist_compress merges only neighbours. A violation aborts. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/hostlist.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tess_error err = { .text = "" };
    char *expr = xmalloc(size + 1);
    char **names = NULL;
    char **again = NULL;
    char *compressed = NULL;
    size_t n = 0;
    size_t n2 = 0;

    memcpy(expr, data, size);
    expr[size] = '\0';
    errno = 0;
    names = hostlist_expand(expr, &n, &err);
    if (!names) {
        /* a failure names its cause */
        if ((errno != EINVAL && errno != E2BIG) || err.text[0] == '\0')
            abort();
        goto out;
    }
    if (n == 0 || n > HOSTLIST_MAX_HOSTS || names[n] != NULL)
        abort();
    compressed = hostlist_compress(names, n);
    again = hostlist_expand(compressed, &n2, &err);
    if (!again || n2 != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], again[i]) != 0)
            abort();
out:
    hostlist_free(again);
    free(compressed);
    hostlist_free(names);
    free(expr);
    return 0;
}
