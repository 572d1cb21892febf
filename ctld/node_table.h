/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's nodes and partitions: what each node has, what is
 * allocated on it, and whether it can take work. Built from the config;
 * each node's live state comes from its tessd registration. Lookup by name
 * is a hash (10,000 nodes); partitions hold arrays of node pointers. */
#ifndef TESS_CTLD_NODE_TABLE_H
#define TESS_CTLD_NODE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conf;
struct conn;
struct job;
struct tess_error;

enum node_state {
    NODE_UNKNOWN = 0, /* configured, never registered since start */
    NODE_IDLE,
    NODE_MIXED,
    NODE_ALLOCATED,
    NODE_DOWN,
};

struct node_gpu {
    char *type;
    uint32_t index;   /* node-local index (CUDA_VISIBLE_DEVICES numbering) */
    uint32_t job_id;  /* 0 when free */
};

struct node {
    char *name;
    char *addr;
    char *features;
    char *provider;
    char *region;
    char *network_tier;
    uint32_t cpus;
    uint32_t cpus_alloc;
    uint64_t mem_mib;
    uint64_t mem_alloc_mib;
    struct node_gpu *gpus;
    uint32_t ngpus;
    uint32_t ngpus_alloc;
    uint32_t njobs;
    uint32_t *batch_jobs;    /* ids of jobs whose script runs here */
    uint32_t nbatch;
    uint32_t batch_cap;
    bool is_registered;      /* tessd is connected */
    bool is_drained;         /* admin drain (later issues) */
    char *reason;            /* why DOWN */
    struct conn *link;       /* tessd's connection while registered */
    uint16_t port;           /* tessd's listening port */
    int64_t last_seen;
    struct node *hash_next;
};

struct partition {
    char *name;
    struct node **nodes;
    size_t nnodes;
    bool is_default;
    uint32_t max_time_min;
    uint32_t default_time_min;
    uint32_t max_nodes;
    int state;               /* enum conf_part_state */
};

struct node_table;

/* Build nodes and partitions from conf (all resources free). */
struct node_table *node_table_create(const struct conf *conf);
void node_table_destroy(struct node_table *t);

struct node *node_table_find(const struct node_table *t, const char *name);
size_t node_table_count(const struct node_table *t);
struct node *node_table_at(const struct node_table *t, size_t i);

struct partition *node_table_partition(const struct node_table *t,
                                       const char *name);
struct partition *node_table_default_partition(const struct node_table *t);
size_t node_table_partition_count(const struct node_table *t);
struct partition *node_table_partition_at(const struct node_table *t,
                                          size_t i);

enum node_state node_state(const struct node *n);
const char *node_state_name(enum node_state s);
bool node_is_usable(const struct node *n);

/* Mark the resources of job's allocation used or free on their nodes.
 * Unknown node names are skipped (a node removed from the config). */
void node_table_claim(struct node_table *t, const struct job *job);
void node_table_release(struct node_table *t, const struct job *job);

json_t *node_to_json(const struct node *n);
json_t *partition_to_json(const struct partition *p);

#endif
