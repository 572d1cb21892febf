/* SPDX-License-Identifier: Apache-2.0 */
/* The values of tessera.conf keys, one type at a time: conf_value_set()
 * parses a value's text into its field by the row's enum conf_type, and
 * conf_value_print() writes a field back in config syntax (for conf_print).
 * The type decides the field's C type and what the record owns (strings,
 * GPU arrays). A value that fails to parse leaves the field as it was and
 * says why, without file, line or key: conf.c, which knows where the value
 * came from, adds "file:line: Key:". */
#include "config.h"

#include "common/conf_private.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/conf.h"
#include "common/error.h"
#include "common/hostlist.h"
#include "common/job_desc.h"
#include "common/log.h"
#include "common/parse_time.h"
#include "common/strutil.h"
#include "common/xalloc.h"

static void *field_at(void *rec, size_t offset)
{
    return (char *)rec + offset;
}

const char *conf_value_escape(char *buf, size_t size, const char *s)
{
    char *e = str_escape(s, CONF_ESC_INPUT_MAX);

    str_copy(buf, e, size);
    free(e);
    return buf;
}

void conf_value_gpus_free(struct conf_gpu *gpus, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(gpus[i].type);
    free(gpus);
}

bool conf_value_type_is_string(enum conf_type t)
{
    return t == CONF_T_STRING || t == CONF_T_ENUM_STRING ||
           t == CONF_T_HOSTLIST;
}

bool conf_value_type_is_gpus(enum conf_type t)
{
    return t == CONF_T_GPUS || t == CONF_T_GRES;
}

/* ----------------------------------------------------------- value types */

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "yes", "true", "1" };
    static const char *const no[] = { "no", "false", "0" };

    for (size_t i = 0; i < 3; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(v, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* "a, b, c" from a NULL-terminated list. */
static const char *choice_list(const char *const *choices, char *buf,
                               size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; choices[i] && len < size; i++) {
        int n =
            snprintf(buf + len, size - len, "%s%s", i ? ", " : "", choices[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    return buf;
}

static const char *debug_flag_list(char *buf, size_t size)
{
    const char *names[32 + 1];
    size_t n = 0;

    for (size_t i = 0; conf_table_debug_flags[i].name && n < 32; i++)
        names[n++] = conf_table_debug_flags[i].name;
    names[n] = NULL;
    return choice_list(names, buf, size);
}

/* Bytes with an optional K, M or G suffix (powers of 1024, optional B or
 * iB after it), in [min, max]. */
static int parse_bytes(const char *v, unsigned long long min,
                       unsigned long long max, uint32_t *out,
                       struct tess_error *why)
{
    char *end = NULL;
    unsigned long long n;
    unsigned shift = 0;

    if (!isdigit((unsigned char)v[0]))
        return tess_errprintf(why, "'%s' is not a size in bytes", QV(v));
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno == ERANGE)
        return tess_errprintf(why, "'%s' is out of range (%llu-%llu)", QV(v),
                              min, max);
    switch (toupper((unsigned char)*end)) {
    case 'K':
        shift = 10;
        end++;
        break;
    case 'M':
        shift = 20;
        end++;
        break;
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        break;
    }
    if (shift && (!strcasecmp(end, "B") || !strcasecmp(end, "iB")))
        end += strlen(end);
    if (*end != '\0')
        return tess_errprintf(why, "'%s' is not a size in bytes", QV(v));
    if (n > (max >> shift) || (n << shift) < min)
        return tess_errprintf(why, "'%s' is out of range (%llu-%llu)", QV(v),
                              min, max);
    *out = (uint32_t)(n << shift);
    return 0;
}

static bool gpu_type_ok(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

/* Parse one GPU item, "type[:N]" (after any "gpu:" prefix), into g. */
static int parse_gpu_item(const char *item, const char *spec,
                          struct conf_gpu *g, struct tess_error *why)
{
    const char *colon = strchr(spec, ':');
    size_t tlen = colon ? (size_t)(colon - spec) : strlen(spec);
    unsigned long long n = 1;
    char *type;

    if (colon && strchr(colon + 1, ':'))
        return tess_errprintf(why,
                              "bad GPU item '%s' (expected type:N; Gres= "
                              "takes gpu:type:N)",
                              QV(item));
    type = xstrndup(spec, tlen);
    if (!gpu_type_ok(type, tlen)) {
        tess_errprintf(why, "bad GPU type '%s' in '%s'", QV(type), QV(item));
        free(type);
        return -1;
    }
    if (colon && str_to_u64(colon + 1, 1, 64, &n) < 0) {
        free(type);
        return tess_errprintf(why, "bad GPU count '%s' in '%s' (1-64)",
                              QV(colon + 1), QV(item));
    }
    for (char *c = type; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    g->type = type;
    g->count = (uint32_t)n;
    return 0;
}

/* "type:N,type:N" (Gpus) or "gpu:type:N,gpu:type:N" (Gres). */
static int parse_gpus(const char *v, bool is_gres, struct conf_gpu **out,
                      size_t *nout, struct tess_error *why)
{
    struct conf_gpu *gpus = NULL;
    size_t n = 0;
    const char *p = v;
    int rc = -1;

    for (;;) {
        size_t len = strcspn(p, ",");
        char *item = xstrndup(p, len);
        const char *spec = item;
        struct conf_gpu g;
        int item_rc = -1;

        if (len == 0) {
            tess_errprintf(why, "empty item in GPU list '%s'", QV(v));
        } else if (is_gres && strncasecmp(item, "gpu", 3) != 0) {
            tess_errprintf(why, "only gpu is supported, not '%s'", QV(item));
        } else if (is_gres &&
                   (item[3] == '\0' ||
                    (item[3] == ':' && isdigit((unsigned char)item[4])))) {
            tess_errprintf(why, "missing GPU type in '%s' (gpu:type:N)",
                           QV(item));
        } else if (is_gres && item[3] != ':') {
            tess_errprintf(why, "only gpu is supported, not '%s'", QV(item));
        } else {
            spec = is_gres ? item + 4 : item;
            item_rc = parse_gpu_item(item, spec, &g, why);
        }
        if (item_rc == 0) {
            for (size_t i = 0; i < n; i++) {
                if (!strcmp(gpus[i].type, g.type)) {
                    tess_errprintf(why, "GPU type '%s' listed twice in '%s'",
                                   QV(g.type), QV(v));
                    free(g.type);
                    item_rc = -1;
                    break;
                }
            }
        }
        free(item);
        if (item_rc < 0)
            goto out;
        gpus = xreallocarray(gpus, n + 1, sizeof(*gpus));
        gpus[n++] = g;
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    *out = gpus;
    *nout = n;
    gpus = NULL;
    n = 0;
    rc = 0;
out:
    conf_value_gpus_free(gpus, n);
    return rc;
}

bool conf_value_is_all(const char *v)
{
    return !strcasecmp(v, "ALL");
}

/* Parse 'v' by row k into its field of 'rec', replacing (and freeing) the
 * old value. On failure 'rec' is unchanged and 'why' holds the reason. */
int conf_value_set(const struct conf_key *k, const char *v, void *rec,
                   struct tess_error *why)
{
    void *f = field_at(rec, k->offset);
    char list[256];
    unsigned long long u;

    if (v[0] == '\0') {
        if (!(k->flags & CONF_KEY_EMPTY_OK))
            return tess_errprintf(why, "missing value");
        if (conf_value_type_is_string(k->type))
            XFREE(*(char **)f);
        else if (conf_value_type_is_gpus(k->type)) {
            size_t *n = field_at(rec, k->count_offset);
            conf_value_gpus_free(*(struct conf_gpu **)f, *n);
            *(struct conf_gpu **)f = NULL;
            *n = 0;
        } else if (k->type == CONF_T_DEBUG_FLAGS)
            *(uint32_t *)f = 0;
        else if (k->type == CONF_T_TIME)
            *(uint32_t *)f = JOB_TIME_UNSET;
        else
            return tess_errprintf(why, "missing value");
        return 0;
    }

    switch (k->type) {
    case CONF_T_STRING:
        free(*(char **)f);
        *(char **)f = xstrdup(v);
        return 0;
    case CONF_T_PORT:
        if (str_to_u64(v, 0, 65535, &u) < 0)
            return tess_errprintf(why, "'%s' is not a port number (0-65535)",
                                  QV(v));
        *(uint16_t *)f = (uint16_t)u;
        return 0;
    case CONF_T_U32:
        if (str_to_u64(v, k->min, k->max, &u) < 0) {
            if (errno == ERANGE)
                return tess_errprintf(why, "'%s' is out of range (%llu-%llu)",
                                      QV(v), k->min, k->max);
            return tess_errprintf(why, "'%s' is not a number", QV(v));
        }
        *(uint32_t *)f = (uint32_t)u;
        return 0;
    case CONF_T_BYTES:
        return parse_bytes(v, k->min, k->max, f, why);
    case CONF_T_SIZE_MIB:
        return parse_size_mib(v, f, why);
    case CONF_T_TIME:
        return parse_time_limit(v, f, why);
    case CONF_T_BOOL:
        if (parse_bool(v, f) < 0)
            return tess_errprintf(why, "'%s' is not YES or NO", QV(v));
        return 0;
    case CONF_T_ENUM:
    case CONF_T_ENUM_STRING:
        for (size_t i = 0; k->choices[i]; i++) {
            if (strcasecmp(v, k->choices[i]))
                continue;
            if (k->type == CONF_T_ENUM) {
                *(int *)f = (int)i;
            } else {
                free(*(char **)f);
                *(char **)f = xstrdup(k->choices[i]);
            }
            return 0;
        }
        return tess_errprintf(why, "'%s' is not one of %s", QV(v),
                              choice_list(k->choices, list, sizeof(list)));
    case CONF_T_LOG_LEVEL: {
        enum log_level level;
        if (log_level_parse(v, &level) < 0)
            return tess_errprintf(why, "'%s' is not a log level (%s)", QV(v),
                                  choice_list(k->choices, list, sizeof(list)));
        *(int *)f = (int)level;
        return 0;
    }
    case CONF_T_DEBUG_FLAGS: {
        uint32_t flags;
        if (log_flags_parse(v, &flags) < 0) {
            /* Name the item log_flags_parse() refused. */
            const char *bad = v;
            for (const char *p = v; *p;) {
                size_t len = strcspn(p, ",");
                char *item = xstrndup(p, len);
                uint32_t one;
                bool ok = log_flags_parse(item, &one) == 0;
                free(item);
                if (!ok) {
                    bad = p;
                    break;
                }
                p += len;
                if (*p)
                    p++;
            }
            char *item = xstrndup(bad, strcspn(bad, ","));
            tess_errprintf(why, "unknown debug flag '%s' (known: %s)", QV(item),
                           debug_flag_list(list, sizeof(list)));
            free(item);
            return -1;
        }
        *(uint32_t *)f = flags;
        return 0;
    }
    case CONF_T_GPUS:
    case CONF_T_GRES: {
        struct conf_gpu *gpus = NULL;
        size_t n = 0;
        size_t *nf = field_at(rec, k->count_offset);
        if (parse_gpus(v, k->type == CONF_T_GRES, &gpus, &n, why) < 0)
            return -1;
        conf_value_gpus_free(*(struct conf_gpu **)f, *nf);
        *(struct conf_gpu **)f = gpus;
        *nf = n;
        return 0;
    }
    case CONF_T_HOSTLIST: {
        size_t n = 0;
        if (!conf_value_is_all(v)) {
            char **names = hostlist_expand(v, &n, why);
            if (!names)
                return -1;
            hostlist_free(names);
        }
        free(*(char **)f);
        *(char **)f = xstrdup(v);
        return 0;
    }
    }
    return tess_errprintf(why, "unsupported key type");
}

/* -------------------------------------------------------------- printing */

/* Print a string value so that the parser reads it back unchanged. */
static void print_string(FILE *out, const char *s)
{
    size_t len = s ? strlen(s) : 0;

    if (!s)
        return;
    if (strpbrk(s, " \t#") || (len > 0 && s[len - 1] == '\\'))
        fprintf(out, "\"%s\"", s);
    else
        fputs(s, out);
}

void conf_value_print(FILE *out, const struct conf_key *k, const void *rec)
{
    const void *f = (const char *)rec + k->offset;
    char buf[64];

    switch (k->type) {
    case CONF_T_STRING:
    case CONF_T_ENUM_STRING:
    case CONF_T_HOSTLIST:
        print_string(out, *(char *const *)f);
        break;
    case CONF_T_PORT:
        fprintf(out, "%u", (unsigned)*(const uint16_t *)f);
        break;
    case CONF_T_U32:
    case CONF_T_BYTES:
        fprintf(out, "%u", (unsigned)*(const uint32_t *)f);
        break;
    case CONF_T_SIZE_MIB:
        fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)f);
        break;
    case CONF_T_TIME:
        if (*(const uint32_t *)f != JOB_TIME_UNSET)
            fputs(format_time_limit(*(const uint32_t *)f, buf, sizeof(buf)),
                  out);
        break;
    case CONF_T_BOOL:
        fputs(*(const bool *)f ? "YES" : "NO", out);
        break;
    case CONF_T_ENUM:
    case CONF_T_LOG_LEVEL: {
        int v = *(const int *)f;
        int n = 0;
        while (k->choices[n])
            n++;
        if (v >= 0 && v < n)
            fputs(k->choices[v], out);
        else
            fprintf(out, "%d", v);
        break;
    }
    case CONF_T_DEBUG_FLAGS: {
        uint32_t flags = *(const uint32_t *)f;
        const char *sep = "";
        for (size_t i = 0; conf_table_debug_flags[i].name; i++) {
            if (flags & conf_table_debug_flags[i].flag) {
                fprintf(out, "%s%s", sep, conf_table_debug_flags[i].name);
                flags &= ~conf_table_debug_flags[i].flag;
                sep = ",";
            }
        }
        if (flags)
            fprintf(out, "%s0x%x", sep, (unsigned)flags);
        break;
    }
    case CONF_T_GPUS:
    case CONF_T_GRES: {
        const struct conf_gpu *g = *(struct conf_gpu *const *)f;
        size_t n = *(const size_t *)((const char *)rec + k->count_offset);
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s%s:%u", i ? "," : "", g[i].type,
                    (unsigned)g[i].count);
        break;
    }
    }
}
