/* SPDX-License-Identifier: Apache-2.0 */
/* The shape of the tessera.conf key tables, shared by conf_table.c (the
 * rows) and conf.c (the parser, printer and documentation that walk them).
 * One row describes one key of one scope: its name and aliases, how its
 * value is parsed, its default, and where it is stored (an offset into
 * struct conf, struct conf_node or struct conf_partition). Two rows that
 * store into the same offset are one key spelt two ways (Gpus and Gres), so
 * setting both on a line is a duplicate. Never installed. */
#ifndef TESS_COMMON_CONF_PRIVATE_H
#define TESS_COMMON_CONF_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
