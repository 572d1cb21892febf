/* SPDX-License-Identifier: Apache-2.0 */
/* Hardware inventory. The config line wins where it says something; what
 * it leaves out is discovered (CPUs from hwloc, memory from sysinfo:
 * hwloc under-reports NUMA memory on some virtual machines). */
#include "config.h"

#include "noded/inventory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <hwloc.h>

#include "common/conf.h"
#include "common/error.h"
#include "common/xalloc.h"

static uint32_t discover_cpus(void)
{
    hwloc_topology_t topo;
    int n = -1;

    if (hwloc_topology_init(&topo) == 0) {
        if (hwloc_topology_load(topo) == 0)
            n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        hwloc_topology_destroy(topo);
    }
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

static uint64_t discover_mem_mib(void)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return 1;
    return (uint64_t)si.totalram * si.mem_unit / (1024 * 1024);
}

int inventory_discover(struct inventory *inv, const struct conf_node *cn,
                       struct tess_error *err)
{
    uint32_t n = 0;

    memset(inv, 0, sizeof(*inv));
    if (cn && cn->cpus) {
        inv->cpus = cn->cpus;
        inv->cpu_source = xstrdup("config");
    } else {
        inv->cpus = discover_cpus();
        inv->cpu_source = xstrdup("hwloc");
    }
    inv->mem_mib = cn && cn->real_memory_mib ? cn->real_memory_mib
                                             : discover_mem_mib();
    if (cn)
        for (size_t g = 0; g < cn->ngpus; g++)
            n += cn->gpus[g].count;
    inv->gpus = xcalloc(n + 1, sizeof(*inv->gpus));
    if (cn)
        for (size_t g = 0; g < cn->ngpus; g++)
            for (uint32_t k = 0; k < cn->gpus[g].count; k++) {
                inv->gpus[inv->ngpus].type = xstrdup(cn->gpus[g].type);
                inv->gpus[inv->ngpus].index = inv->ngpus;
                inv->ngpus++;
            }
    inv->is_emulated = inv->ngpus > 0;
    return 0;
}

void inventory_free(struct inventory *inv)
{
    for (uint32_t i = 0; i < inv->ngpus; i++)
        free(inv->gpus[i].type);
    XFREE(inv->gpus);
    XFREE(inv->cpu_source);
    inv->ngpus = 0;
}

json_t *inventory_to_json(const struct inventory *inv)
{
    json_t *gpus = json_array();
    for (uint32_t i = 0; i < inv->ngpus; i++)
        json_array_append_new(gpus,
                              json_pack("{s:s, s:i}", "type",
                                        inv->gpus[i].type, "index",
                                        (int)inv->gpus[i].index));
    return json_pack("{s:i, s:I, s:o, s:b}", "cpus", (int)inv->cpus,
                     "mem_mib", (json_int_t)inv->mem_mib, "gpus", gpus,
                     "emulated", inv->is_emulated);
}

void inventory_print(const struct inventory *inv, const char *node,
                     FILE *out)
{
    fprintf(out, "node %s\n", node);
    fprintf(out, "  cpus     %u (%s)\n", inv->cpus, inv->cpu_source);
    fprintf(out, "  memory   %llu MiB\n", (unsigned long long)inv->mem_mib);
    fprintf(out, "  gpus     %u%s\n", inv->ngpus,
            inv->is_emulated ? " (emulated from the Gpus= config line; no "
                               "GPU driver used)"
                             : "");
    for (uint32_t i = 0; i < inv->ngpus; i++)
        fprintf(out, "    gpu%u   %s\n", inv->gpus[i].index,
                inv->gpus[i].type);
}
