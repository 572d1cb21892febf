/* SPDX-License-Identifier: Apache-2.0 */
/* The tessera.conf keys: one const table per scope (global, NodeName=,
 * PartitionName=). Each row is the whole truth about one key: name,
 * aliases, value type, default, bounds, where it is stored and its help
 * line. The parser, `tess show config` and the documentation all walk
 * these rows, so adding a key means adding a row here and a field in
 * conf.h, nothing else. Defaults are written in config syntax and go
 * through the same parser as the file. */
#include "config.h"

#include "common/conf_private.h"

#include <stddef.h>

#include "common/conf.h"
#include "common/log.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const log_level_names[] = {
    [LOG_LEVEL_QUIET] = "quiet",
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARNING] = "warning",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_VERBOSE] = "verbose",
    [LOG_LEVEL_DEBUG] = "debug",
    NULL,
};

static const char *const network_tier_names[] = {
    "standard",
    "high",
    "ultra",
    NULL,
};

static const char *const part_state_names[] = {
    [CONF_PART_UP] = "UP",
    [CONF_PART_DOWN] = "DOWN",
    [CONF_PART_DRAIN] = "DRAIN",
    [CONF_PART_INACTIVE] = "INACTIVE",
    NULL,
};

const struct conf_flag_name conf_table_debug_flags[] = {
    { "sched", LOG_FLAG_SCHED },   { "wire", LOG_FLAG_WIRE },
    { "auth", LOG_FLAG_AUTH },     { "store", LOG_FLAG_STORE },
    { "launch", LOG_FLAG_LAUNCH }, { NULL, 0 },
};

#define G(field) offsetof(struct conf, field)

static const struct conf_key global_keys[] = {
    {
        .name = "ClusterName",
        .type = CONF_T_STRING,
        .def = "tessera",
        .offset = G(cluster_name),
        .help = "name of the cluster, shown by tools and in accounting",
    },
    {
        .name = "ControlHost",
        .aliases = { "SlurmctldHost" },
        .type = CONF_T_STRING,
        .def = "127.0.0.1",
        .offset = G(control_host),
        .help = "host name or address where tessctld listens",
    },
    {
        .name = "ControlPort",
        .aliases = { "SlurmctldPort" },
        .type = CONF_T_PORT,
        .def = STR(CONF_DEFAULT_PORT),
        .offset = G(control_port),
        .help = "TCP port of tessctld; 0 picks a free port, which clients "
                "read from <StateDir>/tessctld.addr",
    },
    {
        .name = "ControlSocket",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = G(control_socket),
        .help = "Unix socket of tessctld for local clients; default "
                "<StateDir>/tessctld.sock",
    },
    {
        .name = "StateDir",
        .aliases = { "StateSaveLocation" },
        .type = CONF_T_STRING,
        .def = "/var/lib/tessera",
        .offset = G(state_dir),
        .help = "directory where tessctld keeps its durable state",
    },
    {
        .name = "SpoolDir",
        .aliases = { "SlurmdSpoolDir" },
        .type = CONF_T_STRING,
        .def = "/var/spool/tessd/%n",
        .offset = G(spool_dir),
        .help = "directory where tessd keeps job scripts and state; %n is "
                "the node name",
    },
    {
        .name = "TessUser",
        .aliases = { "SlurmUser" },
        .type = CONF_T_STRING,
        .def = "root",
        .offset = G(tess_user),
        .help = "user that tessctld runs as and that may administer the "
                "cluster",
    },
    {
        .name = "MungeSocket",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = G(munge_socket),
        .help = "munged socket path; unset: the libmunge default",
    },
    {
        .name = "CtldLogFile",
        .aliases = { "SlurmctldLogFile" },
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = G(log_file_ctld),
        .help = "log file of tessctld; unset: stderr",
    },
    {
        .name = "NodedLogFile",
        .aliases = { "SlurmdLogFile" },
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = G(log_file_noded),
        .help = "log file of tessd, %n is the node name; unset: stderr",
    },
    {
        .name = "LogLevel",
        .type = CONF_T_LOG_LEVEL,
        .def = "info",
        .choices = log_level_names,
        .offset = G(log_level),
        .help = "quiet, error, warning, info, verbose or debug",
    },
    {
        .name = "DebugFlags",
        .type = CONF_T_DEBUG_FLAGS,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = G(debug_flags),
        .help = "comma list of subsystems to trace: sched, wire, auth, "
                "store, launch",
    },
    {
        .name = "HeartbeatInterval",
        .type = CONF_T_U32,
        .def = "10",
        .min = 1,
        .max = 3600,
        .offset = G(heartbeat_interval_s),
        .help = "seconds between tessd heartbeats to tessctld",
    },
    {
        .name = "NodeTimeout",
        .aliases = { "SlurmdTimeout" },
        .type = CONF_T_U32,
        .def = "60",
        .min = 2,
        .max = 86400,
        .offset = G(node_timeout_s),
        .help = "seconds without a heartbeat before a node is marked down; "
                "must exceed HeartbeatInterval",
    },
    {
        .name = "KillWait",
        .type = CONF_T_U32,
        .def = "5",
        .min = 0,
        .max = 3600,
        .offset = G(kill_wait_s),
        .help = "seconds between SIGTERM and SIGKILL when a job is stopped",
    },
    {
        .name = "MaxMessageSize",
        .type = CONF_T_BYTES,
        .def = "16M",
        .min = 4096,
        .max = 1024 * 1024 * 1024,
        .offset = G(max_msg_bytes),
        .help = "largest wire message accepted, in bytes (K, M, G suffixes)",
    },
    {
        .name = "StoreCommitDelay",
        .type = CONF_T_U32,
        .def = "500",
        .min = 0,
        .max = 100000,
        .offset = G(commit_delay_us),
        .help = "microseconds tessctld waits to group state commits",
    },
    {
        .name = "JobRequeue",
        .type = CONF_T_BOOL,
        .def = "YES",
        .offset = G(requeue_default),
        .help = "whether jobs are requeued after a node failure unless they "
                "ask otherwise",
    },
};

#define N(field) offsetof(struct conf_node, field)

static const struct conf_key node_keys[] = {
    {
        .name = "NodeName",
        .type = CONF_T_HOSTLIST,
        .flags = CONF_KEY_RECORD,
        .offset = N(name),
        .help = "node names as a hostlist (rig[01-04]); every node gets the "
                "line's attributes; DEFAULT sets defaults for later lines",
    },
    {
        .name = "NodeAddr",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(addr),
        .help = "address tessctld uses to reach the node; default: its name",
    },
    {
        .name = "Port",
        .type = CONF_T_PORT,
        .offset = N(port),
        .help = "TCP port tessd listens on; 0 picks a free port",
    },
    {
        .name = "CPUs",
        .aliases = { "Procs" },
        .type = CONF_T_U32,
        .min = 0,
        .max = 1048576,
        .offset = N(cpus),
        .help = "number of CPUs; 0 asks tessd to discover them",
    },
    {
        .name = "RealMemory",
        .type = CONF_T_SIZE_MIB,
        .offset = N(real_memory_mib),
        .help = "memory in MiB (or with a K, M, G, T suffix); 0 asks tessd to "
                "discover it",
    },
    {
        .name = "Gpus",
        .type = CONF_T_GPUS,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(gpus),
        .count_offset = N(ngpus),
        .help = "GPUs as type:N[,type:N], e.g. rtx4090:4; N is 1..64",
    },
    {
        .name = "Gres",
        .type = CONF_T_GRES,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(gpus),
        .count_offset = N(ngpus),
        .help = "Slurm spelling of Gpus: gpu:type:N[,gpu:type:N]",
    },
    {
        .name = "Features",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(features),
        .help = "comma list of features that jobs can ask for",
    },
    {
        .name = "Provider",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(provider),
        .help = "who supplies the node (for pricing and reports)",
    },
    {
        .name = "Region",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = N(region),
        .help = "where the node is (for pricing and placement)",
    },
    {
        .name = "NetworkTier",
        .type = CONF_T_ENUM_STRING,
        .def = "standard",
        .choices = network_tier_names,
        .offset = N(network_tier),
        .help = "interconnect class: standard, high or ultra",
    },
};

#define P(field) offsetof(struct conf_partition, field)

static const struct conf_key partition_keys[] = {
    {
        .name = "PartitionName",
        .type = CONF_T_STRING,
        .flags = CONF_KEY_RECORD,
        .offset = P(name),
        .help = "name of the partition; DEFAULT sets defaults for later "
                "lines",
    },
    {
        .name = "Nodes",
        .type = CONF_T_HOSTLIST,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = P(nodes_expr),
        .help = "member nodes as a hostlist, or ALL; each must be defined "
                "by a NodeName line",
    },
    {
        .name = "Default",
        .type = CONF_T_BOOL,
        .def = "NO",
        .offset = P(is_default),
        .help = "YES makes this the partition of jobs that name none; "
                "without one, the first partition is",
    },
    {
        .name = "MaxTime",
        .type = CONF_T_TIME,
        .def = "UNLIMITED",
        .offset = P(max_time_min),
        .help = "longest time limit a job may have, e.g. 7-00:00:00 or "
                "UNLIMITED",
    },
    {
        .name = "DefaultTime",
        .type = CONF_T_TIME,
        .flags = CONF_KEY_EMPTY_OK,
        .offset = P(default_time_min),
        .help = "time limit of jobs that give none; default: MaxTime",
    },
    {
        .name = "MaxNodes",
        .type = CONF_T_U32,
        .min = 0,
        .max = UINT32_MAX,
        .offset = P(max_nodes),
        .help = "most nodes one job may use; 0 is unlimited",
    },
    {
        .name = "State",
        .type = CONF_T_ENUM,
        .def = "UP",
        .choices = part_state_names,
        .offset = P(state),
        .help = "UP, DOWN (queue jobs but start none), DRAIN (start queued "
                "jobs, accept no new ones) or INACTIVE",
    },
};

const struct conf_scope conf_table_scopes[CONF_SCOPE_COUNT] = {
    [CONF_SCOPE_GLOBAL] = { "global", global_keys, ARRAY_SIZE(global_keys) },
    [CONF_SCOPE_NODE] = { "NodeName", node_keys, ARRAY_SIZE(node_keys) },
    [CONF_SCOPE_PARTITION] = { "PartitionName", partition_keys,
                               ARRAY_SIZE(partition_keys) },
};
