/* SPDX-License-Identifier: Apache-2.0 */
/* The shape of the tessera.conf key tables, shared by conf_table.c (the
 * rows), conf_value.c (parsing and printing one value by its row's type)
 * and conf.c (the parser, printer and documentation that walk them).
 * One row describes one key of one scope: its name and aliases, how its
 * value is parsed, its default, and where it is stored (an offset into
 * struct conf, struct conf_node or struct conf_partition). Two rows that
 * store into the same offset are one key spelt two ways (Gpus and Gres), so
 * setting both on a line is a duplicate. Never installed. */
#ifndef TESS_COMMON_CONF_PRIVATE_H
#define TESS_COMMON_CONF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct conf_gpu;
struct tess_error;

/* Hard cap on the number of nodes one configuration may define, so that a
 * typo such as NodeName=n[0-999999] fails at once instead of building a
 * million-node table. Tessera is sized for 10,000 nodes. */
#define CONF_MAX_NODES 100000

/* Hard cap on the sum of all partitions' member counts (Nodes=ALL copies
 * every name), which bounds memory for a file of a few kilobytes. */
#define CONF_MAX_MEMBERS 4000000

/* How deeply "Include FILE" lines may nest (this also stops cycles). */
#define CONF_MAX_INCLUDE_DEPTH 8

/* The largest configuration file read, in bytes. */
#define CONF_MAX_FILE_BYTES (16u * 1024 * 1024)

/* Longest input kept when a value is quoted in a message. */
#define CONF_ESC_INPUT_MAX 80
#define CONF_ESC_BUF_SIZE  (CONF_ESC_INPUT_MAX * 4 + 8)

/* 's' escaped and truncated for an error message; the buffer lives until
 * the end of the enclosing block. */
#define QV(s) \
    conf_value_escape((char[CONF_ESC_BUF_SIZE]){ 0 }, CONF_ESC_BUF_SIZE, (s))

/* How a value is parsed and what type the field at 'offset' has. */
enum conf_type {
    CONF_T_STRING,      /* char *; any non-empty text */
    CONF_T_PORT,        /* uint16_t; 0..65535 */
    CONF_T_U32,         /* uint32_t; decimal in [min, max] */
    CONF_T_BYTES,       /* uint32_t bytes; K/M/G suffixes; [min, max] */
    CONF_T_SIZE_MIB,    /* uint64_t MiB; parse_size_mib (bare = MiB) */
    CONF_T_TIME,        /* uint32_t minutes; parse_time_limit; no default:
                           JOB_TIME_UNSET */
    CONF_T_BOOL,        /* bool; YES/NO/true/false/1/0 */
    CONF_T_ENUM,        /* int; index into 'choices' */
    CONF_T_ENUM_STRING, /* char *; one of 'choices', stored as spelt there */
    CONF_T_LOG_LEVEL,   /* int (enum log_level); log_level_parse */
    CONF_T_DEBUG_FLAGS, /* uint32_t; log_flags_parse */
    CONF_T_GPUS,        /* struct conf_gpu * at offset, size_t count at
                           count_offset; "type:N[,type:N]" */
    CONF_T_GRES,        /* same storage as CONF_T_GPUS; Slurm's
                           "gpu:type:N[,gpu:type:N]" */
    CONF_T_HOSTLIST,    /* char *; a hostlist expression (or ALL for a
                           partition's Nodes), checked when parsed */
};

/* Row flags. */
enum {
    /* "Key=" (an empty value) is allowed and means unset: NULL, 0 or none */
    CONF_KEY_EMPTY_OK = 1u << 0,
    /* The key that starts a record line (NodeName, PartitionName): the line
     * parser handles it, DEFAULT included. */
    CONF_KEY_RECORD = 1u << 1,
};

#define CONF_KEY_MAX_ALIASES 3

struct conf_key {
    const char *name;                          /* canonical spelling */
    const char *aliases[CONF_KEY_MAX_ALIASES]; /* NULL-padded */
    enum conf_type type;
    unsigned flags;         /* CONF_KEY_* */
    const char *def;        /* default, in config syntax; NULL: zero */
    unsigned long long min; /* bounds for CONF_T_U32 and CONF_T_BYTES */
    unsigned long long max;
    const char *const *choices; /* NULL-terminated, for the enum types and
                                   for printing log levels */
    size_t offset;              /* of the field in the scope's struct */
    size_t count_offset;        /* CONF_T_GPUS/GRES: of the size_t count */
    const char *help;           /* one line, for docs and `tess show config` */
};

enum conf_scope_id {
    CONF_SCOPE_GLOBAL = 0, /* struct conf */
    CONF_SCOPE_NODE,       /* struct conf_node */
    CONF_SCOPE_PARTITION,  /* struct conf_partition */
    CONF_SCOPE_COUNT,
};

struct conf_scope {
    const char *name; /* "global", "NodeName", "PartitionName" */
    const struct conf_key *keys;
    size_t nkeys;
};

/* The three tables, indexed by enum conf_scope_id. The record scopes'
 * first row is their CONF_KEY_RECORD key. */
extern const struct conf_scope conf_table_scopes[CONF_SCOPE_COUNT];

/* Debug flag names, for printing DebugFlags (log.h parses but does not
 * format them). NULL-terminated; 'flag' is one LOG_FLAG_* bit. */
struct conf_flag_name {
    const char *name;
    uint32_t flag;
};
extern const struct conf_flag_name conf_table_debug_flags[];

/* Values (conf_value.c). A record is a struct conf, conf_node or
 * conf_partition; row k's field is at k->offset in it. */

/* Escape 's' (its first CONF_ESC_INPUT_MAX bytes) into 'buf'; returns 'buf'. */
const char *conf_value_escape(char *buf, size_t size, const char *s);

/* Free 'n' GPU entries, their type names and the array; NULL is fine. */
void conf_value_gpus_free(struct conf_gpu *gpus, size_t n);

/* Whether a field of type 't' is a char * the record owns. */
bool conf_value_type_is_string(enum conf_type t);

/* Whether a field of type 't' is a GPU array with a count at count_offset. */
bool conf_value_type_is_gpus(enum conf_type t);

/* Whether 'v' is ALL (any case): every node, where a hostlist is expected. */
bool conf_value_is_all(const char *v);

/* Parse 'v' by row 'k' into its field of 'rec', freeing the old value.
 * Returns 0, or -1 with 'rec' unchanged and 'why' giving the reason without
 * file, line or key (the caller adds them and sets errno to EINVAL). */
int conf_value_set(const struct conf_key *k, const char *v, void *rec,
                   struct tess_error *why);

/* Print row 'k''s field of 'rec' in config syntax; unset prints nothing. */
void conf_value_print(FILE *out, const struct conf_key *k, const void *rec);

#endif
