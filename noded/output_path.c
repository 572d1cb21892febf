/* SPDX-License-Identifier: Apache-2.0 */
/* Output file pattern expansion (see output_path.h for the symbols). The
 * pattern is copied into a growing buffer one piece at a time; a "%"
 * sequence it does not know is copied through untouched. */
#include "config.h"

#include "noded/output_path.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/xalloc.h"

struct buf {
    char *s;
    size_t len;
    size_t cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 64;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s ? s : "", s ? strlen(s) : 0);
}

static void buf_add_num(struct buf *b, uint32_t v, int width)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%0*" PRIu32, width, v);

    if (n > 0)
        buf_add(b, num, (size_t)n < sizeof(num) ? (size_t)n : sizeof(num) - 1);
}

/* Expand the sequence starting at p (which points at '%'); returns the
 * number of pattern bytes consumed. */
static size_t expand_one(struct buf *b, const char *p,
                         const struct output_path_ctx *c)
{
    const char *q = p + 1;
    int width = 0;

    while (isdigit((unsigned char)*q)) {
        if (width < 64) /* a silly width is clamped, not trusted */
            width = width * 10 + (*q - '0');
        q++;
    }
    if (width > 64)
        width = 64;
    switch (*q) {
    case 'j':
    case 'A':
        buf_add_num(b, c->job_id, width);
        break;
    case 'n':
        buf_add_num(b, c->node_index, width);
        break;
    case 'a':
        buf_add_num(b, 0, width);
        break;
    case 'x':
        buf_adds(b, c->job_name);
        break;
    case 'u':
        buf_adds(b, c->user_name);
        break;
    case 'N':
        buf_adds(b, c->node_name);
        break;
    case '%':
        buf_add(b, "%", 1);
        break;
    case '\0':
        /* A trailing '%' (with or without digits) stays as written. */
        buf_add(b, p, (size_t)(q - p));
        return (size_t)(q - p);
    default:
        buf_add(b, p, (size_t)(q - p) + 1);
        break;
    }
    return (size_t)(q - p) + 1;
}

char *output_path_expand(const char *pattern, const struct output_path_ctx *c)
{
    struct buf b = { NULL, 0, 0 };
    const char *p = pattern ? pattern : OUTPUT_PATH_DEFAULT;

    /* Absolute or not is decided by the first character that stays. */
    if (c->work_dir && p[strspn(p, "\\")] != '/') {
        buf_adds(&b, c->work_dir);
        if (b.len == 0 || b.s[b.len - 1] != '/')
            buf_add(&b, "/", 1);
    }
    if (strchr(p, '\\')) {
        for (; *p; p++)
            if (*p != '\\')
                buf_add(&b, p, 1);
    } else {
        while (*p) {
            size_t n = strcspn(p, "%");
            buf_add(&b, p, n);
            p += n;
            if (*p == '%')
                p += expand_one(&b, p, c);
        }
    }
    if (!b.s)
        buf_add(&b, "", 0);
    return b.s;
}
