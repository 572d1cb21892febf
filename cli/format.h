/* SPDX-License-Identifier: Apache-2.0 */
/* Output for people: column tables sized to their content. */
#ifndef TESS_CLI_FORMAT_H
#define TESS_CLI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct table;

/* 'headers' is a NULL-terminated list of column titles. */
struct table *table_create(const char *const *headers);
/* Add a row of exactly as many cells as headers (copied). */
void table_add(struct table *t, const char *const *cells);
/* Print with columns padded to their widest cell. */
void table_print(const struct table *t, FILE *out, bool with_header);
void table_destroy(struct table *t);

/* Print JSON with stable (sorted) keys and a trailing newline. */
void format_json(const void *json, FILE *out);

#endif
