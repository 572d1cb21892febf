/* SPDX-License-Identifier: Apache-2.0 */
/* The environment a batch job starts with: the environment it was
 * submitted with, overlaid with the TESS_* variables that describe its
 * allocation and their Slurm twins (SLURM_*), so that unmodified Slurm
 * scripts work. Pure: the caller passes in everything, including the
 * user's passwd entry, so the result depends only on the arguments. */
#ifndef TESS_NODED_JOB_ENV_H
#define TESS_NODED_JOB_ENV_H

struct job_launch;
struct passwd;

/* Build the job's environment as a NULL-terminated vector of "K=V".
 *
 * Starts from l->env (entries without '=' or with an empty name are
 * dropped; of repeated names the last wins). Every variable this module
 * manages is first removed from it, so a job submitted from inside
 * another job does not inherit stale values; then the values describing
 * this launch are set: TESS_JOB_ID, TESS_JOB_NAME, TESS_JOB_NODELIST,
 * TESS_NNODES, TESS_NTASKS, TESS_CPUS_PER_TASK, TESS_NODEID,
 * TESS_JOB_PARTITION, TESS_JOB_ACCOUNT (if any), TESS_CLUSTER_NAME,
 * TESS_SUBMIT_DIR, TESS_JOB_USER, TESS_JOB_UID, TESS_JOB_GID,
 * TESS_JOB_CPUS_PER_NODE, TESS_MEM_PER_NODE (if limited), TESS_GPUS and
 * TESS_JOB_GPUS (if any), TESSD_NODENAME, TESS_NODE_ADDR (if node_addr),
 * their SLURM_* twins (SLURM_JOB_ID, SLURM_JOBID, SLURM_NODELIST,
 * SLURM_NPROCS, SLURM_JOB_NUM_NODES, SLURM_GPUS_ON_NODE, SLURMD_NODENAME,
 * ...) and CUDA_VISIBLE_DEVICES: the comma list of the node-local GPU
 * indices given to the job, and unset when it has none (like Slurm, a job
 * that asked for no GPU is not shown any).
 *
 * TESS_SUBMIT_DIR is the submitter's PWD when the submitted environment
 * holds an absolute one, else the job's working directory.
 *
 * From 'pw' (the job user's passwd entry; may be NULL) HOME, USER,
 * LOGNAME and SHELL are added when the submitted environment lacks them;
 * PATH gets a default when missing. 'node_addr' may be NULL.
 *
 * The result belongs to the caller (free with job_env_free). Never fails;
 * does not block. */
char **job_env_build(const struct job_launch *l, const char *node_name,
                     const char *node_addr, const struct passwd *pw);

/* Free a vector from job_env_build. Accepts NULL. */
void job_env_free(char **env);

/* The value of 'name' in 'env' (borrowed), or NULL if unset. */
const char *job_env_get(char *const *env, const char *name);

#endif
