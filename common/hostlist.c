/* SPDX-License-Identifier: Apache-2.0 */
/* Hostlist expansion and compression.
 *
 * Expansion runs in two passes: the whole expression is first parsed into
 * items (comma-separated names), each a literal head followed by bracket
 * groups and the literal after each group, and the number of names is
 * counted; only when all of it is valid and under HOSTLIST_MAX_HOSTS are
 * the names generated, so a failing call allocates nothing it keeps.
 * Compression merges only neighbouring names, which keeps the order and
 * makes expand(compress(names)) == names hold for any expandable names. */
#include "config.h"

#include "common/hostlist.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/strutil.h"
#include "common/xalloc.h"

/* Longest name expansion produces (DNS allows 253). */
#define HOSTLIST_NAME_MAX   255
/* Numbers have at most this many digits, so they fit in a uint64_t and
 * hi + 1 never overflows. Longer digit runs are plain text. */
#define HOSTLIST_DIGITS_MAX 18
/* How much of a bad expression or range an error message quotes. */
#define HOSTLIST_QUOTE_MAX  64
#define HOSTLIST_TOKEN_MAX  32

struct hl_range {
    uint64_t lo;
    uint64_t hi;
    int width; /* digits of lo as written: the zero padding */
};

/* A bracket group and the literal text that follows it. */
struct hl_group {
    size_t first_range;
    size_t nranges;
    const char *tail;
    size_t tail_len;
};

/* One comma-separated element of the expression. */
struct hl_item {
    const char *head;
    size_t head_len;
    size_t first_group;
    size_t ngroups;
    size_t count; /* names it expands to */
};

struct hl_parse {
    const char *expr;
    struct tess_error *err;
    struct hl_item *items;
    size_t nitems;
    size_t items_cap;
    struct hl_group *groups;
    size_t ngroups;
    size_t groups_cap;
    struct hl_range *ranges;
    size_t nranges;
    size_t ranges_cap;
    size_t total;
};

/* Make room for one more element in a growing array. */
static void *grow(void *array, size_t used, size_t *cap, size_t elem_size)
{
    if (used < *cap)
        return array;
    *cap = *cap ? *cap * 2 : 8;
    return xreallocarray(array, *cap, elem_size);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Printable ASCII other than space: what a host name may contain. */
static bool is_name_char(char c)
{
    return c > ' ' && c < 0x7f;
}

static int digits_of(uint64_t v)
{
    int n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Write v zero-padded to 'width' digits at dst; returns the length. */
static size_t put_number(char *dst, uint64_t v, int width)
{
    int n = digits_of(v);
    int len = n > width ? n : width;

    for (int i = len - 1; i >= 0; i--) {
        dst[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return (size_t)len;
}

/* Fill err with "bad hostlist '<expr>': <reason> (column N)" and set
 * errno. col is 1-based; 0 leaves the column out. Returns -1. */
static int bad(struct hl_parse *p, int errnum, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(struct hl_parse *p, int errnum, size_t col, const char *fmt, ...)
{
    char reason[256];
    char *quoted = str_escape(p->expr, HOSTLIST_QUOTE_MAX);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (col > 0)
        tess_errprintf(p->err, "bad hostlist '%s': %s (column %zu)", quoted,
                       reason, col);
    else
        tess_errprintf(p->err, "bad hostlist '%s': %s", quoted, reason);
    free(quoted);
    errno = errnum;
    return -1;
}

static size_t column(const struct hl_parse *p, const char *at)
{
    return (size_t)(at - p->expr) + 1;
}

/* Parse digits at s (len bytes, all digits) into *v. */
static int parse_number(struct hl_parse *p, const char *tok, size_t tok_len,
                        const char *s, size_t len, uint64_t *v)
{
    uint64_t n = 0;

    if (len > HOSTLIST_DIGITS_MAX)
        return bad(
            p, EINVAL, column(p, tok), "number in range '%.*s' is too large",
            (int)(tok_len < HOSTLIST_TOKEN_MAX ? tok_len : HOSTLIST_TOKEN_MAX),
            tok);
    for (size_t i = 0; i < len; i++)
        n = n * 10 + (uint64_t)(s[i] - '0');
    *v = n;
    return 0;
}

/* Parse one range "N" or "N-M" (tok, len bytes) into a new hl_range and
 * add its size to *count. */
static int parse_range(struct hl_parse *p, const char *tok, size_t len,
                       size_t *count)
{
    int shown = (int)(len < HOSTLIST_TOKEN_MAX ? len : HOSTLIST_TOKEN_MAX);
    size_t lo_len = 0;
    size_t hi_len = 0;
    struct hl_range r;

    if (len == 0)
        return bad(p, EINVAL, column(p, tok), "empty range");
    while (lo_len < len && is_digit(tok[lo_len]))
        lo_len++;
    if (lo_len < len && tok[lo_len] == '-') {
        while (lo_len + 1 + hi_len < len && is_digit(tok[lo_len + 1 + hi_len]))
            hi_len++;
        if (hi_len == 0 || lo_len + 1 + hi_len != len)
            lo_len = 0;
    } else if (lo_len != len) {
        lo_len = 0;
    }
    if (lo_len == 0)
        return bad(p, EINVAL, column(p, tok),
                   "bad range '%.*s': expected N or N-M", shown, tok);
    if (parse_number(p, tok, len, tok, lo_len, &r.lo) < 0)
        return -1;
    r.hi = r.lo;
    if (hi_len > 0 &&
        parse_number(p, tok, len, tok + lo_len + 1, hi_len, &r.hi) < 0)
        return -1;
    if (r.hi < r.lo)
        return bad(p, EINVAL, column(p, tok), "range %.*s is reversed", shown,
                   tok);
    r.width = (int)lo_len;
    if (r.hi - r.lo >= HOSTLIST_MAX_HOSTS ||
        *count + (size_t)(r.hi - r.lo) >= HOSTLIST_MAX_HOSTS)
        return bad(p, E2BIG, 0, "more than %d hosts", HOSTLIST_MAX_HOSTS);
    *count += (size_t)(r.hi - r.lo) + 1;
    p->ranges = grow(p->ranges, p->nranges, &p->ranges_cap, sizeof(r));
    p->ranges[p->nranges++] = r;
    return 0;
}

/* Parse the bracket group opening at *s; leave *s just past its ']'. */
static int parse_group(struct hl_parse *p, const char **s, size_t *count,
                       int *width)
{
    const char *open = *s;
    const char *q = open + 1;
    size_t first = p->nranges;

    *count = 0;
    for (;;) {
        const char *tok = q;

        while (*q && *q != ',' && *q != ']' && *q != '[' && is_name_char(*q))
            q++;
        if (*q == '\0')
            return bad(p, EINVAL, column(p, open), "unbalanced '['");
        if (*q == '[')
            return bad(p, EINVAL, column(p, q), "nested '['");
        if (!is_name_char(*q))
            return bad(p, EINVAL, column(p, q), "invalid character 0x%02x",
                       (unsigned char)*q);
        if (parse_range(p, tok, (size_t)(q - tok), count) < 0)
            return -1;
        if (*q++ == ']')
            break;
    }
    *width = 0;
    for (size_t i = first; i < p->nranges; i++) {
        int w = digits_of(p->ranges[i].hi);
        if (w < p->ranges[i].width)
            w = p->ranges[i].width;
        if (w > *width)
            *width = w;
    }
    p->groups = grow(p->groups, p->ngroups, &p->groups_cap, sizeof(*p->groups));
    p->groups[p->ngroups++] = (struct hl_group){
        .first_range = first,
        .nranges = p->nranges - first,
        .tail = q,
        .tail_len = 0,
    };
    *s = q;
    return 0;
}

/* Parse one item starting at *s; leave *s at the ',' or NUL ending it. */
static int parse_item(struct hl_parse *p, const char **s)
{
    const char *start = *s;
    const char *q = start;
    struct hl_item item = { .head = start, .first_group = p->ngroups };
    size_t *lit_len = &item.head_len;
    size_t name_len = 0;

    item.count = 1;
    for (;;) {
        if (*q == '\0' || *q == ',') {
            break;
        } else if (*q == '[') {
            size_t count = 0;
            int width = 0;

            if (parse_group(p, &q, &count, &width) < 0)
                return -1;
            assert(count > 0); /* a group has at least one range */
            if (item.count > HOSTLIST_MAX_HOSTS / count)
                return bad(p, E2BIG, 0, "more than %d hosts",
                           HOSTLIST_MAX_HOSTS);
            item.count *= count;
            item.ngroups++;
            lit_len = &p->groups[p->ngroups - 1].tail_len;
            name_len += (size_t)width;
        } else if (*q == ']') {
            return bad(p, EINVAL, column(p, q), "unbalanced ']'");
        } else if (!is_name_char(*q)) {
            return bad(p, EINVAL, column(p, q), "invalid character 0x%02x",
                       (unsigned char)*q);
        } else {
            (*lit_len)++;
            name_len++;
            q++;
        }
        if (name_len > HOSTLIST_NAME_MAX)
            return bad(p, EINVAL, column(p, start),
                       "host name longer than %d characters",
                       HOSTLIST_NAME_MAX);
    }
    if (q == start)
        return bad(p, EINVAL, column(p, start), "empty host name");
    if (item.count > HOSTLIST_MAX_HOSTS - p->total)
        return bad(p, E2BIG, 0, "more than %d hosts", HOSTLIST_MAX_HOSTS);
    p->total += item.count;
    p->items = grow(p->items, p->nitems, &p->items_cap, sizeof(item));
    p->items[p->nitems++] = item;
    *s = q;
    return 0;
}

/* Append every name of 'item' to names[*k]. cur_range and cur_val are
 * per-group odometer state, indexed like p->groups. */
static void generate_item(const struct hl_parse *p, const struct hl_item *item,
                          char **names, size_t *k, size_t *cur_range,
                          uint64_t *cur_val)
{
    char buf[HOSTLIST_NAME_MAX + 1];
    const struct hl_group *g = NULL;
    size_t ng = item->ngroups;
    size_t *ri = NULL;
    uint64_t *v = NULL;

    if (ng == 0) {
        names[(*k)++] = xstrndup(item->head, item->head_len);
        return;
    }
    /* only now: p->groups is NULL when no item has brackets */
    g = p->groups + item->first_group;
    ri = cur_range + item->first_group;
    v = cur_val + item->first_group;
    for (size_t i = 0; i < ng; i++) {
        ri[i] = g[i].first_range;
        v[i] = p->ranges[ri[i]].lo;
    }
    for (;;) {
        size_t len = item->head_len;
        size_t i;

        memcpy(buf, item->head, item->head_len);
        for (i = 0; i < ng; i++) {
            len += put_number(buf + len, v[i], p->ranges[ri[i]].width);
            memcpy(buf + len, g[i].tail, g[i].tail_len);
            len += g[i].tail_len;
        }
        assert(len <= HOSTLIST_NAME_MAX);
        names[(*k)++] = xstrndup(buf, len);

        /* Advance the odometer: the last group varies fastest. */
        for (i = ng; i-- > 0;) {
            if (v[i] < p->ranges[ri[i]].hi) {
                v[i]++;
                break;
            }
            if (ri[i] + 1 < g[i].first_range + g[i].nranges) {
                v[i] = p->ranges[++ri[i]].lo;
                break;
            }
            ri[i] = g[i].first_range;
            v[i] = p->ranges[ri[i]].lo;
            if (i == 0)
                return;
        }
    }
}

char **hostlist_expand(const char *expr, size_t *count, struct tess_error *err)
{
    struct hl_parse p = { .expr = expr, .err = err };
    const char *s = expr;
    char **names = NULL;
    size_t *cur_range = NULL;
    uint64_t *cur_val = NULL;
    size_t k = 0;

    if (!expr || *expr == '\0') {
        errno = EINVAL;
        tess_errprintf(err, "bad hostlist '': no host names");
        goto out;
    }
    for (;;) {
        if (parse_item(&p, &s) < 0)
            goto out;
        if (*s == '\0')
            break;
        s++; /* the ',' */
    }
    names = xcalloc(p.total + 1, sizeof(*names));
    cur_range = xcalloc(p.ngroups, sizeof(*cur_range));
    cur_val = xcalloc(p.ngroups, sizeof(*cur_val));
    for (size_t i = 0; i < p.nitems; i++)
        generate_item(&p, &p.items[i], names, &k, cur_range, cur_val);
    assert(k == p.total);
    names[k] = NULL;
    *count = k;
out:
    free(cur_val);
    free(cur_range);
    free(p.ranges);
    free(p.groups);
    free(p.items);
    return names;
}

/* A name split around its last run of digits: "rig01-ib" is "rig", 1
 * written with 2 digits, "-ib". has_number is false when there are no
 * digits or too many to be a range bound. */
struct hl_key {
    const char *name;
    size_t pre_len;
    const char *suf;
    size_t suf_len;
    uint64_t value;
    int width;
    bool has_number;
};

static void split_name(const char *name, struct hl_key *key)
{
    size_t len = strlen(name);
    size_t end = len;
    size_t start;

    *key = (struct hl_key){ .name = name };
    while (end > 0 && !is_digit(name[end - 1]))
        end--;
    start = end;
    while (start > 0 && is_digit(name[start - 1]))
        start--;
    if (end == 0 || end - start > HOSTLIST_DIGITS_MAX)
        return;
    key->has_number = true;
    key->pre_len = start;
    key->suf = name + end;
    key->suf_len = len - end;
    key->width = (int)(end - start);
    for (size_t i = start; i < end; i++)
        key->value = key->value * 10 + (uint64_t)(name[i] - '0');
}

static bool same_group(const struct hl_key *a, const struct hl_key *b)
{
    return a->has_number && b->has_number && a->pre_len == b->pre_len &&
           a->suf_len == b->suf_len &&
           memcmp(a->name, b->name, a->pre_len) == 0 &&
           memcmp(a->suf, b->suf, a->suf_len) == 0;
}

/* True if 'key' prints as its digits when formatted with 'width': equal
 * length, or longer with no leading zero (n[08-10] gives n10). */
static bool fits_width(const struct hl_key *key, int width)
{
    return key->width == width ||
           (key->width > width && key->name[key->pre_len] != '0');
}

struct hl_buf {
    char *s;
    size_t len;
    size_t cap;
};

static void buf_add(struct hl_buf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        while (b->len + len + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 64;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = '\0';
}

static void buf_add_range(struct hl_buf *b, uint64_t lo, uint64_t hi, int width)
{
    char num[HOSTLIST_DIGITS_MAX + 2];

    buf_add(b, num, put_number(num, lo, width));
    if (hi != lo) {
        buf_add(b, "-", 1);
        buf_add(b, num, put_number(num, hi, width));
    }
}

/* Append names[i..j) (one group, j - i >= 2) as prefix[ranges]suffix. */
static void add_group(struct hl_buf *b, const struct hl_key *keys, size_t i,
                      size_t j)
{
    uint64_t lo = keys[i].value;
    uint64_t hi = lo;
    int width = keys[i].width;

    buf_add(b, keys[i].name, keys[i].pre_len);
    buf_add(b, "[", 1);
    for (size_t m = i + 1; m < j; m++) {
        if (keys[m].value == hi + 1 && fits_width(&keys[m], width)) {
            hi++;
            continue;
        }
        buf_add_range(b, lo, hi, width);
        buf_add(b, ",", 1);
        lo = hi = keys[m].value;
        width = keys[m].width;
    }
    buf_add_range(b, lo, hi, width);
    buf_add(b, "]", 1);
    buf_add(b, keys[i].suf, keys[i].suf_len);
}

char *hostlist_compress(char *const *names, size_t n)
{
    struct hl_buf b = { 0 };
    struct hl_key *keys = xcalloc(n, sizeof(*keys));
    size_t i = 0;

    buf_add(&b, "", 0);
    for (size_t m = 0; m < n; m++) {
        assert(names[m] != NULL);
        split_name(names[m], &keys[m]);
    }
    while (i < n) {
        size_t j = i + 1;

        while (j < n && same_group(&keys[i], &keys[j]))
            j++;
        if (i > 0)
            buf_add(&b, ",", 1);
        if (j - i == 1)
            buf_add(&b, names[i], strlen(names[i]));
        else
            add_group(&b, keys, i, j);
        i = j;
    }
    free(keys);
    return b.s;
}

void hostlist_free(char **names)
{
    int saved_errno = errno;

    if (names) {
        for (char **p = names; *p; p++)
            free(*p);
        free(names);
    }
    errno = saved_errno;
}
