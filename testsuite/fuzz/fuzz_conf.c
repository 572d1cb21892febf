/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the tessera.conf parser: the input is a whole
 * configuration text. Whatever it holds, conf_load_string() must either
 * return a conf that conf_print() and the lookups can walk, or NULL with an
 * error text, and leak nothing either way. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/error.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tess_error err = { "" };
    char *text = xstrndup((const char *)data, size);
    struct conf *conf = conf_load_string("fuzz.conf", text, &err);

    if (conf) {
        FILE *out = fopen("/dev/null", "w");
        if (out) {
            conf_print(conf, out);
            fclose(out);
        }
        for (size_t i = 0; i < conf->nnodes; i++) {
            if (conf_find_node(conf, conf->nodes[i].name) != &conf->nodes[i])
                abort();
        }
        for (size_t i = 0; i < conf->npartitions; i++) {
            const struct conf_partition *p = &conf->partitions[i];
            if (conf_find_partition(conf, p->name) != p)
                abort();
            for (size_t j = 0; j < p->nnodes; j++) {
                if (!conf_find_node(conf, p->nodes[j]))
                    abort();
            }
        }
        if (conf->npartitions > 0 && !conf->default_partition)
            abort();
    } else if (err.text[0] == '\0') {
        abort();
    }
    conf_destroy(conf);
    free(text);
    return 0;
}
