/* SPDX-License-Identifier: Apache-2.0 */
/* A job request as the user wrote it (options and #SBATCH directives),
 * after parsing with Slurm's semantics and before the controller places it.
 * The same struct travels on the wire in job.submit (codec in job_desc.c,
 * driven by a const field table that job_launch.c reuses); there are no
 * uid/gid in it: identity comes from the connection. Unset numeric fields
 * are 0 unless noted. */
#ifndef TESS_COMMON_JOB_DESC_H
#define TESS_COMMON_JOB_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct tess_error;

#define JOB_TIME_UNSET    UINT32_MAX       /* no -t given */
#define JOB_TIME_INFINITE (UINT32_MAX - 1) /* -t UNLIMITED */

/* Limits that the option parser and the job.submit decoder share, so that
 * everything the CLI accepts also decodes. */
#define JOB_COUNT_MAX     100000u               /* nodes, tasks, CPUs, GPUs */
#define JOB_STR_MAX       4096u                 /* bytes in a string field */
#define JOB_GPU_TYPE_MAX  64u                   /* bytes in a GPU type name */
#define JOB_SCRIPT_MAX    (4u * 1024 * 1024)    /* bytes in the script */
#define JOB_ENV_MAX       10000u                /* environment entries */
#define JOB_ENV_ENTRY_MAX (128u * 1024)         /* bytes in one "K=V" */
#define JOB_ARGV_MAX      1000u                 /* script arguments */
#define JOB_ARG_MAX       (128u * 1024)         /* bytes in one argument */
#define JOB_MEM_MAX_MIB   (UINT64_C(1) << 40)   /* 1 EiB */
#define JOB_BEGIN_MAX     INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

enum job_open_mode {
    JOB_OPEN_TRUNCATE = 0,
    JOB_OPEN_APPEND,
};

enum job_requeue {
    JOB_REQUEUE_DEFAULT = 0, /* the cluster's default */
    JOB_REQUEUE_YES,
    JOB_REQUEUE_NO,
};

struct job_desc {
    char *name;       /* -J; NULL: script file name or "wrap" */
    char *partition;  /* -p; NULL: the default partition */
    char *account;    /* -A */
    char *qos;        /* -q */
    uint32_t min_nodes; /* -N MIN[-MAX]; 0 = unset (1) */
    uint32_t max_nodes; /* 0 = same as min_nodes */
    uint32_t ntasks;    /* -n; 0 = unset */
    uint32_t ntasks_per_node; /* --ntasks-per-node; 0 = unset */
    uint32_t cpus_per_task;   /* -c; 0 = unset (1) */
    uint64_t mem_per_node_mib; /* --mem; 0 = unset */
    bool is_mem_whole_node;    /* --mem=0: all the memory of each node */
    uint64_t mem_per_cpu_mib;  /* --mem-per-cpu; 0 = unset */
    uint64_t mem_per_gpu_mib;  /* --mem-per-gpu; 0 = unset */
    uint32_t time_limit_min;   /* -t in minutes; JOB_TIME_UNSET/INFINITE */
    char *std_out;    /* -o pattern; NULL: tessera-%j.out */
    char *std_err;    /* -e pattern; NULL: same file as stdout */
    char *std_in;     /* -i pattern; NULL: /dev/null */
    /* GPUs: --gpus=[TYPE:]N (job total), --gpus-per-node=[TYPE:]N and
     * --gres=gpu[:TYPE]:N (per node), --gpus-per-task=[TYPE:]N. TYPE may be
     * NULL (any). At most one of the three counts is set. */
    char *gpu_type;
    uint32_t gpus;          /* total for the job */
    uint32_t gpus_per_node;
    uint32_t gpus_per_task;
    char *constraint;       /* -C, kept verbatim */
    bool exclusive;         /* --exclusive */
    char *array;            /* -a, kept verbatim */
    char *dependency;       /* -d, kept verbatim */
    char *signal;           /* --signal=[{R|B}:]SIG[@TIME], verbatim */
    enum job_requeue requeue;
    char *export_env;       /* --export, verbatim; NULL = ALL */
    char *work_dir;         /* -D; the CLI fills in its cwd when unset */
    enum job_open_mode open_mode;
    int64_t begin_time;     /* --begin, epoch seconds; 0 = now */
    bool hold;              /* -H / --hold */
    bool wait;              /* -W (CLI only; not sent) */

    char *script;           /* the batch script text */
    char **argv;            /* script arguments (NULL-terminated) */
    size_t argc;
    char **env;             /* environment as submitted, "K=V", NULL-term */
    size_t envc;
};

struct job_desc *job_desc_create(void);
void job_desc_destroy(struct job_desc *jd);
/* A deep copy; the result belongs to the caller. */
struct job_desc *job_desc_copy(const struct job_desc *jd);

/* Append "K=V" (copied) to the environment / argument vectors. */
void job_desc_add_env(struct job_desc *jd, const char *kv);
void job_desc_add_arg(struct job_desc *jd, const char *arg);

/* Effective values after defaults. */
uint32_t job_desc_nodes(const struct job_desc *jd);
uint32_t job_desc_ntasks(const struct job_desc *jd);
uint32_t job_desc_cpus_per_task(const struct job_desc *jd);

/* JSON encoding for job.submit and `tess show job --json`: one key per
 * field, named like the field; unset optional fields are left out; 'wait'
 * is never sent; is_mem_whole_node travels as "is_mem_whole_node": true.
 * job_desc_to_json returns a new reference, or NULL with errno EILSEQ if a
 * string is not valid UTF-8 (job_opts rejects such input up front).
 * job_desc_from_json returns a new job_desc, or NULL with errno EPROTO and
 * err naming the bad field ("job.submit: field 'ntasks': expected integer
 * 1..100000"); 'script' is required; unknown keys are ignored. */
json_t *job_desc_to_json(const struct job_desc *jd);
struct job_desc *job_desc_from_json(const json_t *o, struct tess_error *err);

/* The table-driven field codec behind job_desc_to_json and
 * job_launch_to_json. Each row maps one JSON key to one member of a
 * struct. Shared by the job codecs only. */
enum job_desc_field_type {
    JOB_DESC_FIELD_STR,  /* char *; min..max bytes, no NUL */
    JOB_DESC_FIELD_U32,  /* uint32_t in min..max */
    JOB_DESC_FIELD_U64,  /* uint64_t in min..max */
    JOB_DESC_FIELD_I64,  /* int64_t in min..max */
    JOB_DESC_FIELD_BOOL, /* bool; optional ones are left out when false */
    JOB_DESC_FIELD_ENUM, /* an enum stored as int; names[value] on the wire */
    JOB_DESC_FIELD_STRV, /* char ** NULL-terminated + size_t count; at most
                          * max entries of at most item_max bytes */
    JOB_DESC_FIELD_ENVV, /* like STRV, and each entry is "NAME=VALUE" */
    JOB_DESC_FIELD_U32V, /* uint32_t * + size_t count; entries 0..item_max */
};

struct job_desc_field {
    const char *key;
    enum job_desc_field_type type;
    size_t offset;       /* of the member */
    size_t count_offset; /* STRV/ENVV/U32V: of the size_t count */
    bool is_required;    /* always encoded; decoding fails without it */
    int64_t min;         /* integers: smallest value; STR: fewest bytes */
    int64_t max;         /* integers: largest; STR: most bytes; vectors:
                          * most entries */
    int64_t item_max;    /* STRV/ENVV: most bytes per entry; U32V: largest */
    int64_t unset;       /* optional integers/enums: value left out */
    const char *const *names; /* ENUM: NULL-terminated, by value */
};

/* Free every pointer member that 'fields' describes (not obj itself). */
void job_desc_field_free(const struct job_desc_field *fields, size_t nfields,
                         void *obj);
/* 'obj' is a shallow copy: replace each pointer member that 'fields'
 * describes with a deep copy of what it points to. */
void job_desc_field_dup(const struct job_desc_field *fields, size_t nfields,
                        void *obj);
/* Add the fields of 'obj' described by 'fields' to object 'o'. Returns 0,
 * or -1 with errno EILSEQ when a string is not valid UTF-8 or EINVAL for
 * an enum value without a name (o may then hold some of the keys). */
int job_desc_field_encode(const struct job_desc_field *fields, size_t nfields,
                          const void *obj, json_t *o);
/* Fill 'obj' (zeroed or with defaults, owned by the caller) from 'o'.
 * 'op' prefixes messages ("job.submit"). Returns 0, or -1 with errno
 * EPROTO and err naming the key; strings already stored in obj on failure
 * are the caller's to free with obj. */
int job_desc_field_decode(const struct job_desc_field *fields, size_t nfields,
                          const char *op, const json_t *o, void *obj,
                          struct tess_error *err);

#endif
