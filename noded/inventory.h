/* SPDX-License-Identifier: Apache-2.0 */
/* What this node offers: CPUs and memory (from the config line, else
 * discovered), and GPUs. Without a GPU driver the GPUs come from the
 * node's Gpus= line and are emulated, so whole heterogeneous clusters can
 * run on one machine. */
#ifndef TESS_NODED_INVENTORY_H
#define TESS_NODED_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct conf_node;
struct tess_error;

struct inventory_gpu {
    char *type;
    uint32_t index;
};

struct inventory {
    uint32_t cpus;
    uint64_t mem_mib;
    struct inventory_gpu *gpus;
    uint32_t ngpus;
    bool is_emulated; /* GPUs come from the config, not a driver */
    char *cpu_source; /* "config" or "hwloc" */
};

/* Fill inv for node 'cn'. Returns 0 or -1 with err. */
int inventory_discover(struct inventory *inv, const struct conf_node *cn,
                       struct tess_error *err);
void inventory_free(struct inventory *inv);
/* {"cpus":..,"mem_mib":..,"gpus":[{"type":..,"index":..}]} */
json_t *inventory_to_json(const struct inventory *inv);
/* Human-readable listing for `tessd --print-inventory`. */
void inventory_print(const struct inventory *inv, const char *node,
                     FILE *out);

#endif
