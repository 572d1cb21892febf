/* SPDX-License-Identifier: Apache-2.0 */
/* The tessera.conf parser, lookups, printer and key documentation. The
 * text goes through three stages: physical lines lose their comments and
 * are joined at trailing backslashes; each logical line is split into
 * Key=Value tokens (quotes removed); the first token picks the scope and
 * every token is looked up in that scope's table (conf_table.c) and parsed
 * by its row's type (conf_value.c) into a new struct conf. After the last
 * line the cross-references (partition members, the default partition,
 * derived paths) are resolved and checked. Any error destroys the new
 * struct and reports "file:line: Key: reason", so a caller either gets a
 * complete, valid conf or nothing. Node and partition names are kept in
 * open addressing hash indexes, so duplicate checks and conf_find_node()
 * are O(1) for configurations of 10,000+ nodes. */
#include "config.h"

#include "common/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/conf_private.h"
#include "common/error.h"
#include "common/hostlist.h"
#include "common/job_desc.h"
#include "common/parse_time.h"
#include "common/xalloc.h"

/* The name indexes read a record's name at offset 0 of either struct. */
_Static_assert(offsetof(struct conf_node, name) == 0, "name first");
_Static_assert(offsetof(struct conf_partition, name) == 0, "name first");

/* An open-addressing hash from name to array index. slots[i] holds
 * index + 1, 0 marks an empty slot; the table is at most half full. */
struct name_index {
    size_t *slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    size_t count;
};

struct conf_index {
    struct name_index nodes;
    struct name_index partitions;
};

/* Where a key or record was set, for "first set at ..." messages. */
struct origin {
    const char *file; /* interned in the parser; NULL: never set */
    int line;
};

struct token {
    char *key;   /* never NULL */
    char *value; /* NULL when the token has no '=' */
    int line;    /* physical line the token starts on */
};

/* One logical line: physical lines joined at trailing backslashes, with
 * the offset where each physical line starts so tokens know their line. */
struct line_buf {
    char *text;
    size_t len;
    size_t cap;
    struct {
        size_t off;
        int line;
    } * breaks;
    size_t nbreaks;
    size_t breaks_cap;
};

struct conf_parser {
    struct conf *conf; /* being built */
    struct tess_error *err;
    const char *file; /* the file being read, for messages */
    int depth;        /* Include nesting */
    char **files;     /* interned file names, freed with the parser */
    size_t nfiles;
    struct origin *global_set; /* per global row: where it was set */
    struct origin *line_set;   /* per row of a record scope, this line */
    size_t nodes_cap;
    size_t parts_cap;
    struct origin *node_origin;          /* parallel to conf->nodes */
    struct origin *part_origin;          /* parallel to conf->partitions */
    struct conf_node node_defaults;      /* NodeName=DEFAULT */
    struct conf_partition part_defaults; /* PartitionName=DEFAULT */
    size_t default_part;                 /* index + 1; 0: none marked */
    struct token *tokens;
    size_t tokens_cap;
};

static const size_t scope_size[CONF_SCOPE_COUNT] = {
    [CONF_SCOPE_GLOBAL] = sizeof(struct conf),
    [CONF_SCOPE_NODE] = sizeof(struct conf_node),
    [CONF_SCOPE_PARTITION] = sizeof(struct conf_partition),
};

/* ------------------------------------------------------------ messages */

__attribute__((format(printf, 6, 0))) static int
vfail(struct conf_parser *p, const char *file, int line, const char *part,
      const char *key, const char *fmt, va_list ap)
{
    char msg[sizeof(((struct tess_error *)NULL)->text)];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (part && key)
        tess_errprintf(p->err, "%s:%d: PartitionName=%s: %s: %s", file, line,
                       QV(part), QV(key), msg);
    else if (key)
        tess_errprintf(p->err, "%s:%d: %s: %s", file, line, QV(key), msg);
    else
        tess_errprintf(p->err, "%s:%d: %s", file, line, msg);
    errno = EINVAL;
    return -1;
}

/* "file:line: key: reason" for the file being read. Returns -1. */
__attribute__((format(printf, 4, 5))) static int
parse_fail(struct conf_parser *p, int line, const char *key, const char *fmt,
           ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(p, p->file, line, NULL, key, fmt, ap);
    va_end(ap);
    return -1;
}

/* "file:line: PartitionName=name: key: reason" for partition 'i'. */
__attribute__((format(printf, 4, 5))) static int
part_fail(struct conf_parser *p, size_t i, const char *key, const char *fmt,
          ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(p, p->part_origin[i].file, p->part_origin[i].line,
          p->conf->partitions[i].name, key, fmt, ap);
    va_end(ap);
    return -1;
}

/* "line 5" when 'o' is in the file being read, else "other.conf:5". */
static const char *origin_text(const struct conf_parser *p,
                               const struct origin *o, char *buf, size_t size)
{
    if (o->file == p->file || (o->file && !strcmp(o->file, p->file)))
        snprintf(buf, size, "line %d", o->line);
    else
        snprintf(buf, size, "%s:%d", o->file ? o->file : "?", o->line);
    return buf;
}

/* ---------------------------------------------------------- name index */

static const char *record_name(const void *base, size_t stride, size_t i)
{
    return *(char *const *)((const char *)base + i * stride);
}

static size_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

/* The index of 'name' in the records at 'base', or SIZE_MAX. */
static size_t name_index_find(const struct name_index *ix, const void *base,
                              size_t stride, const char *name)
{
    if (!ix->slots)
        return SIZE_MAX;
    for (size_t i = name_hash(name) & ix->mask;; i = (i + 1) & ix->mask) {
        size_t v = ix->slots[i];
        if (v == 0)
            return SIZE_MAX;
        if (!strcmp(record_name(base, stride, v - 1), name))
            return v - 1;
    }
}

static void name_index_put(size_t *slots, size_t mask, const char *name,
                           size_t idx)
{
    size_t i = name_hash(name) & mask;

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = idx + 1;
}

/* Add record 'idx' (whose name is not yet in the index). */
static void name_index_add(struct name_index *ix, const void *base,
                           size_t stride, size_t idx)
{
    if (!ix->slots || (ix->count + 1) * 2 > ix->mask + 1) {
        size_t cap = ix->slots ? (ix->mask + 1) * 2 : 16;
        size_t *slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; ix->slots && i <= ix->mask; i++) {
            if (ix->slots[i])
                name_index_put(slots, cap - 1,
                               record_name(base, stride, ix->slots[i] - 1),
                               ix->slots[i] - 1);
        }
        free(ix->slots);
        ix->slots = slots;
        ix->mask = cap - 1;
    }
    name_index_put(ix->slots, ix->mask, record_name(base, stride, idx), idx);
    ix->count++;
}

/* ------------------------------------------------------------ key rows */

static void *field_at(void *rec, size_t offset)
{
    return (char *)rec + offset;
}

/* Rows that share storage (Gres with Gpus) are one key; the first row in
 * the table with that offset is the canonical one. */
static size_t canonical_row(enum conf_scope_id s, size_t r)
{
    const struct conf_key *keys = conf_table_scopes[s].keys;

    for (size_t i = 0; i < r; i++) {
        if (keys[i].offset == keys[r].offset)
            return i;
    }
    return r;
}

static const struct conf_key *find_key(enum conf_scope_id s, const char *name)
{
    const struct conf_scope *sc = &conf_table_scopes[s];

    for (size_t i = 0; i < sc->nkeys; i++) {
        const struct conf_key *k = &sc->keys[i];
        if (!strcasecmp(k->name, name))
            return k;
        for (size_t a = 0; a < CONF_KEY_MAX_ALIASES && k->aliases[a]; a++) {
            if (!strcasecmp(k->aliases[a], name))
                return k;
        }
    }
    return NULL;
}

/* Free what the table's fields of 'rec' own (not the struct itself). */
static void record_free_fields(enum conf_scope_id s, void *rec)
{
    const struct conf_scope *sc = &conf_table_scopes[s];

    for (size_t r = 0; r < sc->nkeys; r++) {
        const struct conf_key *k = &sc->keys[r];
        if (canonical_row(s, r) != r)
            continue;
        if (conf_value_type_is_string(k->type)) {
            char **f = field_at(rec, k->offset);
            XFREE(*f);
        } else if (conf_value_type_is_gpus(k->type)) {
            struct conf_gpu **g = field_at(rec, k->offset);
            size_t *n = field_at(rec, k->count_offset);
            conf_value_gpus_free(*g, *n);
            *g = NULL;
            *n = 0;
        }
    }
}

/* Copy 'src' into 'dst' (uninitialised), duplicating what the table's
 * fields own. */
static void record_copy(enum conf_scope_id s, void *dst, const void *src)
{
    const struct conf_scope *sc = &conf_table_scopes[s];

    memcpy(dst, src, scope_size[s]);
    for (size_t r = 0; r < sc->nkeys; r++) {
        const struct conf_key *k = &sc->keys[r];
        if (canonical_row(s, r) != r)
            continue;
        if (conf_value_type_is_string(k->type)) {
            char **f = field_at(dst, k->offset);
            if (*f)
                *f = xstrdup(*f);
        } else if (conf_value_type_is_gpus(k->type)) {
            struct conf_gpu **g = field_at(dst, k->offset);
            size_t n = *(size_t *)field_at(dst, k->count_offset);
            if (*g) {
                struct conf_gpu *copy = xcalloc(n, sizeof(*copy));
                for (size_t i = 0; i < n; i++) {
                    copy[i].type = xstrdup((*g)[i].type);
                    copy[i].count = (*g)[i].count;
                }
                *g = copy;
            }
        }
    }
}

/* Fill the table's fields of 'rec' (zeroed) with their defaults. */
static int record_init(enum conf_scope_id s, void *rec, struct tess_error *err)
{
    const struct conf_scope *sc = &conf_table_scopes[s];
    struct tess_error why = { "" };

    for (size_t r = 0; r < sc->nkeys; r++) {
        const struct conf_key *k = &sc->keys[r];
        if (canonical_row(s, r) != r)
            continue;
        if (k->type == CONF_T_TIME && !k->def)
            *(uint32_t *)field_at(rec, k->offset) = JOB_TIME_UNSET;
        if (k->def && conf_value_set(k, k->def, rec, &why) < 0) {
            errno = EINVAL;
            return tess_errprintf(err, "%s: bad default '%s': %s", k->name,
                                  k->def, why.text);
        }
    }
    return 0;
}

/* --------------------------------------------------------------- files */

static const char *intern_file(struct conf_parser *p, const char *name)
{
    for (size_t i = 0; i < p->nfiles; i++) {
        if (!strcmp(p->files[i], name))
            return p->files[i];
    }
    p->files = xreallocarray(p->files, p->nfiles + 1, sizeof(*p->files));
    p->files[p->nfiles] = xstrdup(name);
    return p->files[p->nfiles++];
}

/* Read all of 'path' into a NUL-terminated buffer. An Include must be a
 * regular file (so a FIFO or a device cannot block or flood the parser).
 * Returns NULL with errno set and err holding "cannot open ..." or the
 * like, without a line number (the caller prefixes one if it has one). */
static char *read_file(const char *path, bool regular_only,
                       struct tess_error *err)
{
    int flags = O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0);
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    struct stat st;
    int fd = -1;
    int saved_errno = 0;

    if ((fd = open(path, flags)) < 0 || fstat(fd, &st) < 0) {
        saved_errno = errno;
        tess_errprintf(err, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode) || (regular_only && !S_ISREG(st.st_mode))) {
        saved_errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        tess_errprintf(err, "cannot open %s: %s", path,
                       S_ISDIR(st.st_mode) ? strerror(EISDIR)
                                           : "not a regular file");
        goto fail;
    }
    for (;;) {
        ssize_t n;
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = xrealloc(buf, cap + 1);
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            saved_errno = errno;
            tess_errprintf(err, "cannot read %s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CONF_MAX_FILE_BYTES) {
            saved_errno = EFBIG;
            tess_errprintf(err, "cannot read %s: larger than %u bytes", path,
                           CONF_MAX_FILE_BYTES);
            goto fail;
        }
    }
    close(fd);
    if (!buf)
        buf = xmalloc(1);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        int line = 1;
        for (const char *c = buf; *c; c++)
            line += *c == '\n';
        free(buf);
        errno = EINVAL;
        tess_errprintf(err, "%s:%d: NUL byte in line", path, line);
        return NULL;
    }
    return buf;
fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    errno = saved_errno;
    return NULL;
}

/* ----------------------------------------------------------- the lines */

static int parse_text(struct conf_parser *p, const char *file,
                      const char *text);

static int parse_include(struct conf_parser *p, struct token *tok, size_t ntok)
{
    const char *arg = tok[0].value;
    const char *saved_file = p->file;
    struct tess_error why = { "" };
    char *path = NULL;
    char *text = NULL;
    int rc = -1;

    if (arg ? ntok != 1 : ntok != 2)
        return parse_fail(p, tok[0].line, tok[0].key, "expected one file name");
    if (!arg)
        arg = tok[1].key;
    if (arg[0] == '\0')
        return parse_fail(p, tok[0].line, tok[0].key, "missing file name");
    if (p->depth >= CONF_MAX_INCLUDE_DEPTH)
        return parse_fail(p, tok[0].line, tok[0].key,
                          "includes nested more than %d deep",
                          CONF_MAX_INCLUDE_DEPTH);
    /* A relative name is relative to the including file's directory. */
    const char *slash = strrchr(p->file, '/');
    if (arg[0] != '/' && slash)
        path = xasprintf("%.*s/%s", (int)(slash - p->file), p->file, arg);
    else
        path = xstrdup(arg);
    if (!(text = read_file(path, true, &why))) {
        parse_fail(p, tok[0].line, tok[0].key, "%s", why.text);
        goto out;
    }
    p->depth++;
    rc = parse_text(p, intern_file(p, path), text);
    p->depth--;
    p->file = saved_file;
out:
    free(text);
    free(path);
    return rc;
}

/* Explain why 'key' is not a key of scope 's'. Returns -1. */
static int bad_key(struct conf_parser *p, enum conf_scope_id s,
                   const struct token *t)
{
    for (int o = 0; o < CONF_SCOPE_COUNT; o++) {
        const struct conf_key *k = find_key((enum conf_scope_id)o, t->key);
        if (!k || o == (int)s)
            continue;
        if (k->flags & CONF_KEY_RECORD)
            return parse_fail(p, t->line, t->key,
                              "must be the first key on its line");
        if (o == CONF_SCOPE_GLOBAL)
            return parse_fail(p, t->line, t->key,
                              "not valid on a %s line (it is a global key)",
                              conf_table_scopes[s].name);
        return parse_fail(p, t->line, t->key, "only valid on a %s line",
                          conf_table_scopes[o].name);
    }
    return parse_fail(p, t->line, t->key, "unknown key");
}

/* Check that token 't' is Key=Value with a non-empty key. */
static int check_token(struct conf_parser *p, const struct token *t)
{
    if (!t->value)
        return parse_fail(p, t->line, t->key, "expected Key=Value");
    if (t->key[0] == '\0')
        return parse_fail(p, t->line, NULL, "'=%s': missing key before '='",
                          QV(t->value));
    return 0;
}

/* Apply tokens to 'rec' in scope 's', checking for duplicates within the
 * line (origins in 'set', one per row, zeroed by the caller or kept across
 * lines for the global scope). */
static int apply_tokens(struct conf_parser *p, enum conf_scope_id s, void *rec,
                        struct origin *set, struct token *tok, size_t ntok)
{
    const struct conf_scope *sc = &conf_table_scopes[s];

    for (size_t i = 0; i < ntok; i++) {
        const struct token *t = &tok[i];
        struct tess_error why = { "" };
        const struct conf_key *k;
        size_t canon;
        char where[300];

        if (check_token(p, t) < 0)
            return -1;
        if (!(k = find_key(s, t->key)))
            return bad_key(p, s, t);
        canon = canonical_row(s, (size_t)(k - sc->keys));
        if (set[canon].line > 0)
            return parse_fail(
                p, t->line, t->key, "duplicate key (first set at %s)",
                origin_text(p, &set[canon], where, sizeof(where)));
        if (k->flags & CONF_KEY_RECORD)
            return parse_fail(p, t->line, t->key,
                              "must be the first key on its line");
        if (conf_value_set(k, t->value, rec, &why) < 0)
            return parse_fail(p, t->line, t->key, "%s", why.text);
        set[canon].file = p->file;
        set[canon].line = t->line;
    }
    return 0;
}

static int check_partition_name(struct conf_parser *p, const struct token *t)
{
    const char *v = t->value;

    for (const char *c = v; *c; c++) {
        if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
            return parse_fail(p, t->line, t->key,
                              "bad partition name '%s' (letters, digits, "
                              "'-', '_' and '.' only)",
                              QV(v));
    }
    return 0;
}

/* Add the nodes of one NodeName= line ('rec' holds its attributes). */
static int add_nodes(struct conf_parser *p, const struct token *t,
                     const struct conf_node *rec)
{
    struct conf *c = p->conf;
    struct tess_error why = { "" };
    size_t n = 0;
    char **names = hostlist_expand(t->value, &n, &why);
    int rc = -1;

    if (!names)
        return parse_fail(p, t->line, t->key, "%s", why.text);
    if (n > CONF_MAX_NODES - c->nnodes) {
        parse_fail(p, t->line, t->key, "more than %d nodes in all",
                   CONF_MAX_NODES);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t dup;
        char where[300];
        if (conf_value_is_all(names[i]) || !strcasecmp(names[i], "DEFAULT")) {
            parse_fail(p, t->line, t->key, "node name '%s' is reserved",
                       QV(names[i]));
            goto out;
        }
        dup = name_index_find(&c->index->nodes, c->nodes, sizeof(*c->nodes),
                              names[i]);
        if (dup != SIZE_MAX) {
            parse_fail(
                p, t->line, t->key, "duplicate node '%s' (first defined at %s)",
                QV(names[i]),
                origin_text(p, &p->node_origin[dup], where, sizeof(where)));
            goto out;
        }
        if (c->nnodes == p->nodes_cap) {
            p->nodes_cap = p->nodes_cap ? p->nodes_cap * 2 : 16;
            c->nodes = xreallocarray(c->nodes, p->nodes_cap, sizeof(*c->nodes));
            p->node_origin = xreallocarray(p->node_origin, p->nodes_cap,
                                           sizeof(*p->node_origin));
        }
        struct conf_node *node = &c->nodes[c->nnodes];
        record_copy(CONF_SCOPE_NODE, node, rec);
        node->name = names[i];
        names[i] = NULL;
        node->line = t->line;
        p->node_origin[c->nnodes].file = p->file;
        p->node_origin[c->nnodes].line = t->line;
        c->nnodes++;
        name_index_add(&c->index->nodes, c->nodes, sizeof(*c->nodes),
                       c->nnodes - 1);
    }
    rc = 0;
out:
    /* Names moved into nodes were set to NULL; free the rest. */
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Add the partition of one PartitionName= line; takes 'rec''s contents. */
static int add_partition(struct conf_parser *p, const struct token *t,
                         struct conf_partition *rec)
{
    struct conf *c = p->conf;
    size_t dup;
    size_t i;
    char where[300];

    if (check_partition_name(p, t) < 0)
        return -1;
    dup = name_index_find(&c->index->partitions, c->partitions,
                          sizeof(*c->partitions), t->value);
    if (dup != SIZE_MAX)
        return parse_fail(
            p, t->line, t->key,
            "duplicate partition '%s' (first defined at %s)", QV(t->value),
            origin_text(p, &p->part_origin[dup], where, sizeof(where)));
    if (c->npartitions == p->parts_cap) {
        p->parts_cap = p->parts_cap ? p->parts_cap * 2 : 8;
        c->partitions =
            xreallocarray(c->partitions, p->parts_cap, sizeof(*c->partitions));
        p->part_origin = xreallocarray(p->part_origin, p->parts_cap,
                                       sizeof(*p->part_origin));
    }
    i = c->npartitions++;
    c->partitions[i] = *rec;
    memset(rec, 0, sizeof(*rec));
    c->partitions[i].name = xstrdup(t->value);
    c->partitions[i].line = t->line;
    p->part_origin[i].file = p->file;
    p->part_origin[i].line = t->line;
    name_index_add(&c->index->partitions, c->partitions, sizeof(*c->partitions),
                   i);

    struct conf_partition *part = &c->partitions[i];
    if (part->is_default) {
        if (p->default_part) {
            size_t d = p->default_part - 1;
            return part_fail(
                p, i, "Default", "partition '%s' (%s) is already the default",
                QV(c->partitions[d].name),
                origin_text(p, &p->part_origin[d], where, sizeof(where)));
        }
        p->default_part = i + 1;
    }
    if (part->default_time_min != JOB_TIME_UNSET &&
        part->default_time_min > part->max_time_min) {
        char dt[32];
        char mt[32];
        return part_fail(
            p, i, "DefaultTime", "%s exceeds MaxTime %s",
            format_time_limit(part->default_time_min, dt, sizeof(dt)),
            format_time_limit(part->max_time_min, mt, sizeof(mt)));
    }
    return 0;
}

/* A NodeName= or PartitionName= line: the first token names the record
 * (or DEFAULT), the others set its attributes. */
static int parse_record_line(struct conf_parser *p, enum conf_scope_id s,
                             struct token *tok, size_t ntok)
{
    const struct conf_scope *sc = &conf_table_scopes[s];
    void *tmpl = s == CONF_SCOPE_NODE ? (void *)&p->node_defaults
                                      : (void *)&p->part_defaults;
    union {
        struct conf_node node;
        struct conf_partition part;
    } rec;
    bool is_default;
    int rc = -1;

    if (tok[0].value[0] == '\0')
        return parse_fail(p, tok[0].line, tok[0].key, "missing value");
    is_default = !strcasecmp(tok[0].value, "DEFAULT");
    record_copy(s, &rec, tmpl);
    memset(p->line_set, 0, sc->nkeys * sizeof(*p->line_set));
    p->line_set[0].file = p->file;
    p->line_set[0].line = tok[0].line;
    if (apply_tokens(p, s, &rec, p->line_set, tok + 1, ntok - 1) < 0)
        goto out;
    if (is_default) {
        /* Later lines of this scope start from these values. */
        record_free_fields(s, tmpl);
        memcpy(tmpl, &rec, scope_size[s]);
        return 0;
    }
    if (s == CONF_SCOPE_NODE)
        rc = add_nodes(p, &tok[0], &rec.node);
    else
        rc = add_partition(p, &tok[0], &rec.part);
out:
    record_free_fields(s, &rec);
    return rc;
}

/* Split the logical line in place into tokens: runs of non-blanks, where
 * double quotes group blanks and are removed. */
static size_t tokenize(struct conf_parser *p, struct line_buf *lb)
{
    char *r = lb->text;
    char *w = lb->text;
    char *end = lb->text + lb->len;
    size_t n = 0;
    size_t b = 0;

    for (;;) {
        while (r < end && isspace((unsigned char)*r))
            r++;
        if (r == end)
            break;
        size_t off = (size_t)(r - lb->text);
        while (b + 1 < lb->nbreaks && lb->breaks[b + 1].off <= off)
            b++;

        char *start = w;
        char *eq = NULL;
        bool in_quote = false;
        while (r < end && (in_quote || !isspace((unsigned char)*r))) {
            if (*r == '"') {
                in_quote = !in_quote;
                r++;
                continue;
            }
            if (*r == '=' && !in_quote && !eq)
                eq = w;
            *w++ = *r++;
        }
        /* w <= r: step past the blank before terminating the token. */
        char *tok_end = w;
        if (r < end)
            r++;
        *tok_end = '\0';
        w = tok_end + 1;

        if (n == p->tokens_cap) {
            p->tokens_cap = p->tokens_cap ? p->tokens_cap * 2 : 16;
            p->tokens =
                xreallocarray(p->tokens, p->tokens_cap, sizeof(*p->tokens));
        }
        p->tokens[n].key = start;
        p->tokens[n].value = NULL;
        if (eq) {
            *eq = '\0';
            p->tokens[n].value = eq + 1;
        }
        p->tokens[n].line = lb->breaks[b].line;
        n++;
    }
    return n;
}

static int parse_logical_line(struct conf_parser *p, struct line_buf *lb)
{
    size_t ntok = tokenize(p, lb);
    struct token *tok = p->tokens;

    if (ntok == 0)
        return 0;
    if (!strcasecmp(tok[0].key, "Include"))
        return parse_include(p, tok, ntok);
    if (tok[0].value) {
        for (int s = CONF_SCOPE_NODE; s < CONF_SCOPE_COUNT; s++) {
            const struct conf_key *k =
                find_key((enum conf_scope_id)s, tok[0].key);
            if (k && (k->flags & CONF_KEY_RECORD))
                return parse_record_line(p, (enum conf_scope_id)s, tok, ntok);
        }
    }
    return apply_tokens(p, CONF_SCOPE_GLOBAL, p->conf, p->global_set, tok,
                        ntok);
}

static void line_buf_append(struct line_buf *lb, const char *s, size_t len,
                            int line)
{
    if (lb->nbreaks == lb->breaks_cap) {
        lb->breaks_cap = lb->breaks_cap ? lb->breaks_cap * 2 : 4;
        lb->breaks =
            xreallocarray(lb->breaks, lb->breaks_cap, sizeof(*lb->breaks));
    }
    lb->breaks[lb->nbreaks].off = lb->len;
    lb->breaks[lb->nbreaks].line = line;
    lb->nbreaks++;
    if (lb->cap - lb->len < len + 1) {
        lb->cap = (lb->len + len + 1) * 2;
        lb->text = xrealloc(lb->text, lb->cap);
    }
    memcpy(lb->text + lb->len, s, len);
    lb->len += len;
    lb->text[lb->len] = '\0';
}

/* Parse the whole text of one file. */
static int parse_text(struct conf_parser *p, const char *file, const char *text)
{
    struct line_buf lb = { 0 };
    const char *s = text;
    bool continued = false;
    int line = 0;
    int rc = -1;

    p->file = file;
    while (*s) {
        const char *nl = strchr(s, '\n');
        const char *e = nl ? nl : s + strlen(s);
        const char *next = nl ? nl + 1 : e;
        bool in_quote = false;

        line++;
        for (const char *c = s; c < e; c++) {
            if (*c == '"')
                in_quote = !in_quote;
            else if (*c == '#' && !in_quote) {
                e = c;
                break;
            }
        }
        if (in_quote) {
            parse_fail(p, line, NULL, "unterminated quote");
            goto out;
        }
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        continued = e > s && e[-1] == '\\';
        if (continued)
            e--;
        line_buf_append(&lb, s, (size_t)(e - s), line);
        if (!continued) {
            if (parse_logical_line(p, &lb) < 0)
                goto out;
            lb.len = 0;
            lb.nbreaks = 0;
        }
        s = next;
    }
    if (continued) {
        parse_fail(p, line, NULL, "continuation line at end of file");
        goto out;
    }
    rc = 0;
out:
    free(lb.text);
    free(lb.breaks);
    return rc;
}

/* --------------------------------------------------------- resolution */

/* Expand partition i's Nodes= into names of defined nodes. */
static int resolve_partition(struct conf_parser *p, size_t i, size_t *members,
                             uint32_t *seen)
{
    struct conf *c = p->conf;
    struct conf_partition *part = &c->partitions[i];
    struct tess_error why = { "" };
    char **names = NULL;
    size_t n = 0;
    int rc = -1;

    if (!part->nodes_expr)
        return 0;
    if (conf_value_is_all(part->nodes_expr)) {
        n = c->nnodes;
        if (n > CONF_MAX_MEMBERS - *members)
            return part_fail(p, i, "Nodes",
                             "more than %d partition members in all",
                             CONF_MAX_MEMBERS);
        names = xcalloc(n + 1, sizeof(*names));
        for (size_t j = 0; j < n; j++)
            names[j] = xstrdup(c->nodes[j].name);
    } else {
        if (!(names = hostlist_expand(part->nodes_expr, &n, &why)))
            return part_fail(p, i, "Nodes", "%s", why.text);
        if (n > CONF_MAX_MEMBERS - *members) {
            part_fail(p, i, "Nodes", "more than %d partition members in all",
                      CONF_MAX_MEMBERS);
            goto out;
        }
        for (size_t j = 0; j < n; j++) {
            size_t idx = name_index_find(&c->index->nodes, c->nodes,
                                         sizeof(*c->nodes), names[j]);
            if (idx == SIZE_MAX) {
                part_fail(p, i, "Nodes", "node '%s' is not defined",
                          QV(names[j]));
                goto out;
            }
            if (seen[idx] == i + 1) {
                part_fail(p, i, "Nodes", "node '%s' is listed twice",
                          QV(names[j]));
                goto out;
            }
            seen[idx] = (uint32_t)(i + 1);
        }
    }
    *members += n;
    part->nodes = names;
    part->nnodes = n;
    names = NULL;
    rc = 0;
out:
    hostlist_free(names);
    return rc;
}

static int resolve(struct conf_parser *p)
{
    struct conf *c = p->conf;
    size_t members = 0;
    uint32_t *seen = xcalloc(c->nnodes + 1, sizeof(*seen));
    int rc = -1;

    for (size_t i = 0; i < c->npartitions; i++) {
        if (resolve_partition(p, i, &members, seen) < 0)
            goto out;
    }
    if (p->default_part)
        c->default_partition = &c->partitions[p->default_part - 1];
    else if (c->npartitions > 0)
        c->default_partition = &c->partitions[0];

    if (c->node_timeout_s <= c->heartbeat_interval_s) {
        /* Blame the key the file set (NodeTimeout if both). */
        const struct conf_key *keys = conf_table_scopes[0].keys;
        const struct conf_key *nt = find_key(CONF_SCOPE_GLOBAL, "NodeTimeout");
        const struct conf_key *hb =
            find_key(CONF_SCOPE_GLOBAL, "HeartbeatInterval");
        const struct origin *o = &p->global_set[nt - keys];
        if (o->line > 0) {
            p->file = o->file;
            parse_fail(p, o->line, nt->name,
                       "%u must be greater than HeartbeatInterval (%u)",
                       c->node_timeout_s, c->heartbeat_interval_s);
        } else {
            o = &p->global_set[hb - keys];
            p->file = o->file ? o->file : p->files[0];
            parse_fail(p, o->line, hb->name,
                       "%u must be less than NodeTimeout (%u)",
                       c->heartbeat_interval_s, c->node_timeout_s);
        }
        goto out;
    }
    if (!c->control_socket) {
        size_t len = strlen(c->state_dir);
        while (len > 1 && c->state_dir[len - 1] == '/')
            len--;
        c->control_socket =
            xasprintf("%.*s/tessctld.sock", (int)len, c->state_dir);
    }
    rc = 0;
out:
    free(seen);
    return rc;
}

/* ------------------------------------------------------------- public */

static void parser_fini(struct conf_parser *p)
{
    record_free_fields(CONF_SCOPE_NODE, &p->node_defaults);
    record_free_fields(CONF_SCOPE_PARTITION, &p->part_defaults);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p->global_set);
    free(p->line_set);
    free(p->node_origin);
    free(p->part_origin);
    free(p->tokens);
}

static struct conf *load(const char *name, const char *text, bool from_file,
                         struct tess_error *err)
{
    struct conf_parser p = { .err = err };
    size_t max_keys = 0;
    char *file_text = NULL;
    struct conf *c = NULL;
    int saved_errno;

    if (from_file && !(file_text = read_file(name, false, err)))
        return NULL;
    for (int s = 0; s < CONF_SCOPE_COUNT; s++) {
        if (conf_table_scopes[s].nkeys > max_keys)
            max_keys = conf_table_scopes[s].nkeys;
    }
    p.global_set = xcalloc(max_keys, sizeof(*p.global_set));
    p.line_set = xcalloc(max_keys, sizeof(*p.line_set));
    c = xcalloc(1, sizeof(*c));
    c->index = xcalloc(1, sizeof(*c->index));
    c->path = xstrdup(name);
    p.conf = c;
    if (record_init(CONF_SCOPE_GLOBAL, c, err) < 0 ||
        record_init(CONF_SCOPE_NODE, &p.node_defaults, err) < 0 ||
        record_init(CONF_SCOPE_PARTITION, &p.part_defaults, err) < 0)
        goto fail;
    if (parse_text(&p, intern_file(&p, name), from_file ? file_text : text) <
            0 ||
        resolve(&p) < 0)
        goto fail;
    parser_fini(&p);
    free(file_text);
    return c;
fail:
    saved_errno = errno;
    parser_fini(&p);
    free(file_text);
    conf_destroy(c);
    errno = saved_errno;
    return NULL;
}

struct conf *conf_load(const char *path, struct tess_error *err)
{
    return load(path, NULL, true, err);
}

struct conf *conf_load_string(const char *name, const char *text,
                              struct tess_error *err)
{
    return load(name, text, false, err);
}

void conf_destroy(struct conf *conf)
{
    int saved_errno = errno;

    if (!conf)
        return;
    record_free_fields(CONF_SCOPE_GLOBAL, conf);
    for (size_t i = 0; i < conf->nnodes; i++)
        record_free_fields(CONF_SCOPE_NODE, &conf->nodes[i]);
    free(conf->nodes);
    for (size_t i = 0; i < conf->npartitions; i++) {
        struct conf_partition *part = &conf->partitions[i];
        record_free_fields(CONF_SCOPE_PARTITION, part);
        for (size_t j = 0; j < part->nnodes; j++)
            free(part->nodes[j]);
        free(part->nodes);
    }
    free(conf->partitions);
    if (conf->index) {
        free(conf->index->nodes.slots);
        free(conf->index->partitions.slots);
        free(conf->index);
    }
    free(conf->path);
    free(conf);
    errno = saved_errno;
}

const struct conf_node *conf_find_node(const struct conf *conf,
                                       const char *name)
{
    size_t i;

    if (conf->index) {
        i = name_index_find(&conf->index->nodes, conf->nodes,
                            sizeof(*conf->nodes), name);
        return i == SIZE_MAX ? NULL : &conf->nodes[i];
    }
    for (i = 0; i < conf->nnodes; i++) {
        if (!strcmp(conf->nodes[i].name, name))
            return &conf->nodes[i];
    }
    return NULL;
}

const struct conf_partition *conf_find_partition(const struct conf *conf,
                                                 const char *name)
{
    size_t i;

    if (conf->index) {
        i = name_index_find(&conf->index->partitions, conf->partitions,
                            sizeof(*conf->partitions), name);
        return i == SIZE_MAX ? NULL : &conf->partitions[i];
    }
    for (i = 0; i < conf->npartitions; i++) {
        if (!strcmp(conf->partitions[i].name, name))
            return &conf->partitions[i];
    }
    return NULL;
}

void conf_print(const struct conf *conf, FILE *out)
{
    const struct conf_scope *sc = &conf_table_scopes[CONF_SCOPE_GLOBAL];

    for (size_t r = 0; r < sc->nkeys; r++) {
        if (canonical_row(CONF_SCOPE_GLOBAL, r) != r)
            continue;
        fprintf(out, "%s=", sc->keys[r].name);
        conf_value_print(out, &sc->keys[r], conf);
        fputc('\n', out);
    }
}

static struct conf_key_doc *key_docs;
static size_t nkey_docs;
static pthread_once_t key_docs_once = PTHREAD_ONCE_INIT;

/* Flatten the three tables once; the array lives until exit. */
static void key_docs_build(void)
{
    size_t n = 0;

    for (int s = 0; s < CONF_SCOPE_COUNT; s++)
        n += conf_table_scopes[s].nkeys;
    key_docs = xcalloc(n, sizeof(*key_docs));
    for (int s = 0; s < CONF_SCOPE_COUNT; s++) {
        const struct conf_scope *sc = &conf_table_scopes[s];
        for (size_t r = 0; r < sc->nkeys; r++) {
            key_docs[nkey_docs].scope = sc->name;
            key_docs[nkey_docs].key = sc->keys[r].name;
            key_docs[nkey_docs].help = sc->keys[r].help;
            nkey_docs++;
        }
    }
}

const struct conf_key_doc *conf_key_docs(size_t *count)
{
    pthread_once(&key_docs_once, key_docs_build);
    *count = nkey_docs;
    return key_docs;
}
