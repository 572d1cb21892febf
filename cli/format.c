/* SPDX-License-Identifier: Apache-2.0 */
/* Column tables and JSON printing for the CLI. */
#include "config.h"

#include "cli/format.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xalloc.h"

struct table {
    size_t ncols;
    char **cells; /* row-major, first row the headers */
    size_t nrows;
    size_t cap;
    size_t *width;
};

static void add_row(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = xreallocarray(t->cells, t->cap * t->ncols, sizeof(char *));
    }
    for (size_t i = 0; i < t->ncols; i++) {
        const char *s = cells[i] ? cells[i] : "";
        size_t len = strlen(s);
        t->cells[t->nrows * t->ncols + i] = xstrdup(s);
        if (len > t->width[i])
            t->width[i] = len;
    }
    t->nrows++;
}

struct table *table_create(const char *const *headers)
{
    struct table *t = xcalloc(1, sizeof(*t));
    while (headers[t->ncols])
        t->ncols++;
    t->width = xcalloc(t->ncols, sizeof(size_t));
    add_row(t, headers);
    return t;
}

void table_add(struct table *t, const char *const *cells)
{
    add_row(t, cells);
}

void table_print(const struct table *t, FILE *out, bool with_header)
{
    for (size_t r = with_header ? 0 : 1; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *s = t->cells[r * t->ncols + i];
            if (i + 1 == t->ncols)
                fprintf(out, "%s", s);
            else
                fprintf(out, "%-*s ", (int)t->width[i], s);
        }
        fputc('\n', out);
    }
}

void table_destroy(struct table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->width);
    free(t);
}

void format_json(const void *json, FILE *out)
{
    json_dumpf(json, out, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', out);
}
