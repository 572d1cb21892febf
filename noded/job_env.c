/* SPDX-License-Identifier: Apache-2.0 */
/* Builds a job's environment. The one idea: the variables this file
 * describes the allocation with are "managed" (listed in managed_names):
 * whatever the submitter's environment says about them is dropped first,
 * then the values for this launch are set, so the job never sees a mix of
 * its own allocation and a parent job's. */
#include "config.h"

#include "noded/job_env.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/job_launch.h"
#include "common/xalloc.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Every variable job_env_build may set from the launch. */
static const char *const managed_names[] = {
    "CUDA_VISIBLE_DEVICES", "SLURMD_NODENAME",
    "SLURM_CLUSTER_NAME",   "SLURM_CPUS_PER_TASK",
    "SLURM_GPUS_ON_NODE",   "SLURM_JOBID",
    "SLURM_JOB_ACCOUNT",    "SLURM_JOB_CPUS_PER_NODE",
    "SLURM_JOB_GID",        "SLURM_JOB_GPUS",
    "SLURM_JOB_ID",         "SLURM_JOB_NAME",
    "SLURM_JOB_NODELIST",   "SLURM_JOB_NUM_NODES",
    "SLURM_JOB_PARTITION",  "SLURM_JOB_UID",
    "SLURM_JOB_USER",       "SLURM_MEM_PER_NODE",
    "SLURM_NNODES",         "SLURM_NODEID",
    "SLURM_NODELIST",       "SLURM_NPROCS",
    "SLURM_NTASKS",         "SLURM_SUBMIT_DIR",
    "TESSD_NODENAME",       "TESS_CLUSTER_NAME",
    "TESS_CPUS_PER_TASK",   "TESS_GPUS",
    "TESS_JOB_ACCOUNT",     "TESS_JOB_CPUS_PER_NODE",
    "TESS_JOB_GID",         "TESS_JOB_GPUS",
    "TESS_JOB_ID",          "TESS_JOB_NAME",
    "TESS_JOB_NODELIST",    "TESS_JOB_PARTITION",
    "TESS_JOB_UID",         "TESS_JOB_USER",
    "TESS_MEM_PER_NODE",    "TESS_NNODES",
    "TESS_NODEID",          "TESS_NODE_ADDR",
    "TESS_NTASKS",          "TESS_SUBMIT_DIR",
};

struct env {
    char **v; /* NULL-terminated once n > 0 or after env_init */
    size_t n;
    size_t cap;
};

/* Length of the name part of "K=V", or 0 if the entry is malformed. */
static size_t entry_name_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : 0;
}

static bool entry_has_name(const char *kv, const char *name, size_t len)
{
    return strncmp(kv, name, len) == 0 && kv[len] == '=';
}

static ssize_t env_find(const struct env *e, const char *name, size_t len)
{
    for (size_t i = 0; i < e->n; i++)
        if (entry_has_name(e->v[i], name, len))
            return (ssize_t)i;
    return -1;
}

static void env_remove(struct env *e, const char *name)
{
    size_t len = strlen(name);
    ssize_t i;

    while ((i = env_find(e, name, len)) >= 0) {
        free(e->v[i]);
        memmove(&e->v[i], &e->v[i + 1], (e->n - (size_t)i) * sizeof(char *));
        e->n--;
    }
}

/* Store 'kv' (taking ownership), replacing an entry of the same name. */
static void env_put(struct env *e, char *kv, size_t len)
{
    ssize_t i = env_find(e, kv, len);

    if (i >= 0) {
        free(e->v[i]);
        e->v[i] = kv;
        return;
    }
    if (e->n + 2 > e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->v = xreallocarray(e->v, e->cap, sizeof(char *));
    }
    e->v[e->n++] = kv;
    e->v[e->n] = NULL;
}

static void env_set(struct env *e, const char *name, const char *value)
{
    env_put(e, xasprintf("%s=%s", name, value ? value : ""), strlen(name));
}

static void env_set_u64(struct env *e, const char *name, uint64_t value)
{
    env_put(e, xasprintf("%s=%" PRIu64, name, value), strlen(name));
}

/* Set the same value under a Tessera name and its Slurm twins. */
static void env_set3(struct env *e, const char *a, const char *b, const char *c,
                     const char *value)
{
    env_set(e, a, value);
    if (b)
        env_set(e, b, value);
    if (c)
        env_set(e, c, value);
}

static void env_set3_u64(struct env *e, const char *a, const char *b,
                         const char *c, uint64_t value)
{
    env_set_u64(e, a, value);
    if (b)
        env_set_u64(e, b, value);
    if (c)
        env_set_u64(e, c, value);
}

static void env_default(struct env *e, const char *name, const char *value)
{
    if (value && env_find(e, name, strlen(name)) < 0)
        env_set(e, name, value);
}

/* "0,2,3" */
static char *gpu_list(const uint32_t *idx, size_t n)
{
    size_t cap = n * 11 + 1;
    char *s = xmalloc(cap);
    size_t len = 0;

    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w =
            snprintf(s + len, cap - len, "%s%" PRIu32, i ? "," : "", idx[i]);
        if (w < 0 || (size_t)w >= cap - len)
            break; /* cannot happen: 11 bytes per index is enough */
        len += (size_t)w;
    }
    return s;
}

char **job_env_build(const struct job_launch *l, const char *node_name,
                     const char *node_addr, const struct passwd *pw)
{
    struct env e = { NULL, 0, 0 };
    const char *submit_dir = NULL;
    char *submit_copy = NULL;

    e.cap = 64;
    e.v = xcalloc(e.cap, sizeof(char *));

    for (size_t i = 0; l->env && l->env[i]; i++) {
        size_t len = entry_name_len(l->env[i]);
        if (len > 0)
            env_put(&e, xstrdup(l->env[i]), len);
    }
    submit_dir = job_env_get(e.v, "PWD");
    if (!submit_dir || submit_dir[0] != '/')
        submit_dir = l->work_dir;
    /* submit_dir may point into e; copy it before the managed sweep. */
    submit_copy = submit_dir ? xstrdup(submit_dir) : NULL;

    for (size_t i = 0; i < sizeof(managed_names) / sizeof(managed_names[0]);
         i++)
        env_remove(&e, managed_names[i]);

    env_set3_u64(&e, "TESS_JOB_ID", "SLURM_JOB_ID", "SLURM_JOBID", l->job_id);
    env_set3(&e, "TESS_JOB_NAME", "SLURM_JOB_NAME", NULL, l->job_name);
    env_set3(&e, "TESS_JOB_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST",
             l->nodelist);
    env_set3_u64(&e, "TESS_NNODES", "SLURM_NNODES", "SLURM_JOB_NUM_NODES",
                 l->nnodes);
    env_set3_u64(&e, "TESS_NTASKS", "SLURM_NTASKS", "SLURM_NPROCS", l->ntasks);
    env_set3_u64(&e, "TESS_CPUS_PER_TASK", "SLURM_CPUS_PER_TASK", NULL,
                 l->cpus_per_task);
    env_set3_u64(&e, "TESS_NODEID", "SLURM_NODEID", NULL, l->node_index);
    env_set3(&e, "TESS_JOB_PARTITION", "SLURM_JOB_PARTITION", NULL,
             l->partition);
    if (l->account && l->account[0])
        env_set3(&e, "TESS_JOB_ACCOUNT", "SLURM_JOB_ACCOUNT", NULL, l->account);
    env_set3(&e, "TESS_CLUSTER_NAME", "SLURM_CLUSTER_NAME", NULL,
             l->cluster_name);
    env_set3(&e, "TESS_SUBMIT_DIR", "SLURM_SUBMIT_DIR", NULL, submit_copy);
    env_set3(&e, "TESS_JOB_USER", "SLURM_JOB_USER", NULL, l->user_name);
    env_set3_u64(&e, "TESS_JOB_UID", "SLURM_JOB_UID", NULL, l->uid);
    env_set3_u64(&e, "TESS_JOB_GID", "SLURM_JOB_GID", NULL, l->gid);
    env_set3_u64(&e, "TESS_JOB_CPUS_PER_NODE", "SLURM_JOB_CPUS_PER_NODE", NULL,
                 l->cpus);
    if (l->mem_mib > 0)
        env_set3_u64(&e, "TESS_MEM_PER_NODE", "SLURM_MEM_PER_NODE", NULL,
                     l->mem_mib);
    if (l->ngpus > 0 && l->gpu_indices) {
        char *gpus = gpu_list(l->gpu_indices, l->ngpus);
        env_set3(&e, "TESS_GPUS", "TESS_JOB_GPUS", "SLURM_JOB_GPUS", gpus);
        env_set(&e, "CUDA_VISIBLE_DEVICES", gpus);
        env_set_u64(&e, "SLURM_GPUS_ON_NODE", l->ngpus);
        free(gpus);
    }
    env_set3(&e, "TESSD_NODENAME", "SLURMD_NODENAME", NULL, node_name);
    if (node_addr)
        env_set(&e, "TESS_NODE_ADDR", node_addr);

    if (pw) {
        env_default(&e, "HOME", pw->pw_dir);
        env_default(&e, "USER", pw->pw_name);
        env_default(&e, "LOGNAME", pw->pw_name);
        env_default(&e, "SHELL", pw->pw_shell);
    }
    env_default(&e, "PATH", DEFAULT_PATH);

    free(submit_copy);
    return e.v;
}

void job_env_free(char **env)
{
    if (!env)
        return;
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

const char *job_env_get(char *const *env, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; env && env[i]; i++)
        if (entry_has_name(env[i], name, len))
            return env[i] + len + 1;
    return NULL;
}
