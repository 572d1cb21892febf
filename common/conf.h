/* SPDX-License-Identifier: Apache-2.0 */
/* tessera.conf: slurm.conf-style "Key=Value ..." lines. Global keys appear
 * once; NodeName= and PartitionName= lines may repeat and each starts a
 * record whose other keys sit on the same line. Keys match
 * case-insensitively. The parser builds a new struct conf, validates
 * everything (cross-references included), and returns it whole or not at
 * all, so a rejected reconfigure changes nothing. A live conf is read-only.
 * The key tables in conf_table.c drive parsing, `tess show config` and
 * the documentation.
 *
 * Syntax: '#' starts a comment (outside double quotes); double quotes
 * group blanks in a value and are removed; a trailing backslash joins the
 * next line. Several global keys may share a line. "NodeName=DEFAULT ..."
 * and "PartitionName=DEFAULT ..." set defaults for the lines after them.
 * "Include FILE" reads another regular file in place (relative names are
 * relative to the including file's directory). */
#ifndef TESS_COMMON_CONF_H
#define TESS_COMMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tess_error;
struct conf_index;

#define CONF_DEFAULT_PORT 6917

/* One GPU kind on a node line: "Gpus=rtx4090:4" or "Gpus=a100:2,h100:2". */
struct conf_gpu {
    char *type;     /* lower-case type name */
    uint32_t count;
};

struct conf_node {
    char *name;              /* one node; NodeName=rig[01-04] expands */
    char *addr;              /* NodeAddr; NULL: the name */
    uint16_t port;           /* Port; 0 = any (tessd binds port 0) */
    uint32_t cpus;           /* CPUs; 0 = discover */
    uint64_t real_memory_mib; /* RealMemory; 0 = discover */
    struct conf_gpu *gpus;   /* Gpus= (or Gres=gpu:TYPE:N) */
    size_t ngpus;
    char *features;          /* Features, comma list, verbatim */
    char *provider;          /* Provider */
    char *region;            /* Region */
    char *network_tier;      /* NetworkTier: standard|high|ultra */
    int line;                /* where it was defined, for messages */
};

enum conf_part_state {
    CONF_PART_UP = 0,
    CONF_PART_DOWN,
    CONF_PART_DRAIN,
    CONF_PART_INACTIVE,
};

struct conf_partition {
    char *name;
    char **nodes;            /* expanded node names (all exist in conf) */
    size_t nnodes;
    bool is_default;         /* Default=YES */
    uint32_t max_time_min;   /* MaxTime; JOB_TIME_INFINITE = UNLIMITED */
    uint32_t default_time_min; /* DefaultTime; JOB_TIME_UNSET = MaxTime */
    uint32_t max_nodes;      /* MaxNodes; 0 = unlimited */
    enum conf_part_state state;
    int line;
    char *nodes_expr;        /* Nodes= as written (hostlist or ALL); NULL:
                                none. 'nodes' is its expansion */
};

struct conf {
    char *path;                  /* the file it came from */
    char *cluster_name;          /* ClusterName */
    char *control_host;          /* ControlHost (alias SlurmctldHost) */
    uint16_t control_port;       /* ControlPort; 0: see <StateDir>/tessctld.addr */
    char *control_socket;        /* ControlSocket: local Unix socket path */
    char *state_dir;             /* StateDir (alias StateSaveLocation) */
    char *spool_dir;             /* SpoolDir: tessd state; %n = node name */
    char *tess_user;             /* TessUser (alias SlurmUser), admin */
    char *munge_socket;          /* MungeSocket; NULL: libmunge default */
    char *log_file_ctld;         /* CtldLogFile; NULL: stderr */
    char *log_file_noded;        /* NodedLogFile; %n = node name */
    int log_level;               /* LogLevel: enum log_level */
    uint32_t debug_flags;        /* DebugFlags */
    uint32_t heartbeat_interval_s;  /* HeartbeatInterval */
    uint32_t node_timeout_s;     /* NodeTimeout (alias SlurmdTimeout) */
    uint32_t kill_wait_s;        /* KillWait */
    uint32_t max_msg_bytes;      /* MaxMessageSize */
    uint32_t commit_delay_us;    /* StoreCommitDelay: group-commit window */
    bool requeue_default;        /* JobRequeue */

    struct conf_node *nodes;     /* in file order */
    size_t nnodes;
    struct conf_partition *partitions;
    size_t npartitions;
    const struct conf_partition *default_partition; /* NULL if none */
    struct conf_index *index;    /* private to conf.c: name lookups; a conf
                                    built by hand leaves it NULL */
};

/* Parse 'path' (blocking file reads). Returns a new conf that the caller
 * frees with conf_destroy(), or NULL with errno set and err holding the
 * reason: "cannot open FILE: strerror" with open(2)'s errno (ENOENT,
 * EACCES, EISDIR...), or "file:line: Key: reason" with EINVAL for anything
 * wrong inside the file or its includes. Never partially fills anything. */
struct conf *conf_load(const char *path, struct tess_error *err);
/* Same, from a string; 'name' stands for the file in messages (and is the
 * directory that relative Include names start from). */
struct conf *conf_load_string(const char *name, const char *text,
                              struct tess_error *err);
/* Free a conf and everything it owns. Accepts NULL; keeps errno. */
void conf_destroy(struct conf *conf);

/* Lookups by exact name; NULL if absent. O(1) on a loaded conf (a conf
 * built by hand, with 'index' NULL, is searched linearly). */
const struct conf_node *conf_find_node(const struct conf *conf,
                                       const char *name);
const struct conf_partition *conf_find_partition(const struct conf *conf,
                                                 const char *name);

/* Write every global key and its effective value, one "Key=Value" per
 * line in table order (for `tess show config`). Unset values print as
 * "Key="; values with blanks are quoted, so the output parses back to the
 * same configuration. */
void conf_print(const struct conf *conf, FILE *out);

/* The documented keys of each scope: for the man page and the test that
 * every key is documented. The array is static; *count gets its length. */
struct conf_key_doc {
    const char *scope; /* "global", "NodeName", "PartitionName" */
    const char *key;
    const char *help;
};
const struct conf_key_doc *conf_key_docs(size_t *count);

#endif
