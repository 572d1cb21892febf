/* SPDX-License-Identifier: Apache-2.0 */
/* Submissions per second through ctld/store.c: N job rows of about 2 KB
 * of JSON each, written the way tessctld writes them, from callbacks on
 * one libevent loop. Each mode keeps a fixed number of writes in flight
 * and issues the next one when an ack comes back: a window of 1 is the
 * sequential client (one transaction per write), a wide window lets the
 * worker group commit. Latency is measured from store_put_job to the
 * write's callback, i.e. what a submitting client waits for. Every mode
 * starts from a fresh database file.
 *
 * usage: bench_store [-n writes] [-w window] [-s json_bytes] [-d dir] */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/error.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"
#include "ctld/store.h"

struct bench_mode {
    const char *name;
    uint32_t window;
    uint32_t commit_delay_us;
};

struct bench_slot {
    struct bench_run *run;
    uint64_t submit_ns;
};

struct bench_run {
    struct event_base *base;
    struct store *store;
    const char *padding; /* makes each row json_bytes long */
    uint32_t writes;
    uint32_t issued;
    uint32_t acked;
    uint32_t failed;
    struct bench_slot *slots;
    uint64_t latency_sum_ns;
    uint64_t end_ns;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bench_ack_cb(int rc, void *arg);

/* Queue job number run->issued, shaped like a submitted batch job. */
static void bench_issue(struct bench_run *run)
{
    uint32_t id = ++run->issued;
    struct bench_slot *slot = &run->slots[id - 1];
    char json[8192];
    int len;

    len = snprintf(json, sizeof(json),
                   "{\"id\":%u,\"name\":\"bench-%u\",\"user\":\"alice\","
                   "\"uid\":1000,\"gid\":1000,\"account\":\"physics\","
                   "\"partition\":\"gpu\",\"state\":\"pending\","
                   "\"nodes\":2,\"tasks_per_node\":4,\"gpus_per_node\":4,"
                   "\"mem_mib\":65536,\"time_limit_s\":86400,"
                   "\"submit_time\":%lld,\"workdir\":\"/home/alice/run\","
                   "\"script\":\"#!/bin/sh\\n%s\\n\"}",
                   id, id, (long long)time(NULL), run->padding);
    if (len < 0 || len >= (int)sizeof(json))
        fatal("bench: job text too long");
    slot->run = run;
    slot->submit_ns = now_ns();
    store_put_job(run->store, id, json, bench_ack_cb, slot);
}

static void bench_ack_cb(int rc, void *arg)
{
    struct bench_slot *slot = arg;
    struct bench_run *run = slot->run;

    run->latency_sum_ns += now_ns() - slot->submit_ns;
    if (rc < 0)
        run->failed++;
    if (++run->acked == run->writes) {
        run->end_ns = now_ns();
        event_base_loopbreak(run->base);
        return;
    }
    if (run->issued < run->writes)
        bench_issue(run);
}

static void remove_tree(const char *dir)
{
    char p[PATH_MAX];
    struct dirent *de;
    DIR *d;

    if ((d = opendir(dir))) {
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
                (int)sizeof(p))
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int bench_mode_run(const struct bench_mode *mode, const char *parent,
                          uint32_t writes, const char *padding)
{
    struct tess_error err = { { 0 } };
    struct bench_run run = { .writes = writes, .padding = padding };
    struct store_stats stats;
    char dir[PATH_MAX / 2];
    char path[PATH_MAX];
    uint64_t start_ns;
    double seconds;
    int rc = -1;

    if (snprintf(dir, sizeof(dir), "%s/bench_store.XXXXXX", parent) >=
            (int)sizeof(dir) ||
        !mkdtemp(dir)) {
        log_error_errno("%s: cannot make a directory", parent);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/state.db", dir);
    if (!(run.base = event_base_new())) {
        log_error("event_base_new failed");
        goto out;
    }
    if (!(run.store =
              store_open(run.base, path, mode->commit_delay_us, &err))) {
        log_error("%s", err.text);
        goto out;
    }
    run.slots = xcalloc(writes, sizeof(*run.slots));

    start_ns = now_ns();
    while (run.issued < writes && run.issued < mode->window)
        bench_issue(&run);
    /* Like tessctld: everything from here on happens in callbacks. */
    event_base_dispatch(run.base);
    seconds = (double)(run.end_ns - start_ns) / 1e9;

    store_get_stats(run.store, &stats);
    printf("%-24s %8u %13llu %9.3f %10.0f %16.1f\n", mode->name, run.acked,
           (unsigned long long)stats.transactions, seconds, run.acked / seconds,
           (double)run.latency_sum_ns / run.acked / 1000.0);
    fflush(stdout);
    if (run.failed) {
        log_error("%s: %u writes failed", mode->name, run.failed);
        goto out;
    }
    rc = 0;
out:
    store_close(run.store);
    if (run.base)
        event_base_free(run.base);
    free(run.slots);
    remove_tree(dir);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_store [-n writes] [-w window] "
                    "[-s json_bytes] [-d dir]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long writes = 20000;
    unsigned long long window = 256;
    unsigned long long json_bytes = 2048;
    const char *dir = getenv("TMPDIR");
    char *padding;
    size_t pad_len;
    int failed = 0;
    int c;

    log_init("bench_store", LOG_LEVEL_ERROR);
    xalloc_install_library_hooks();
    if (!dir || !*dir)
        dir = "/tmp";
    while ((c = getopt(argc, argv, "n:w:s:d:")) != -1) {
        switch (c) {
        case 'n':
            if (str_to_u64(optarg, 1, 10000000, &writes) < 0)
                usage();
            break;
        case 'w':
            if (str_to_u64(optarg, 1, 100000, &window) < 0)
                usage();
            break;
        case 's':
            if (str_to_u64(optarg, 512, 7168, &json_bytes) < 0)
                usage();
            break;
        case 'd':
            dir = optarg;
            break;
        default:
            usage();
        }
    }
    if (optind != argc)
        usage();

    /* The fixed part of each row is about 290 bytes; the script pads the
     * rest with plausible text. */
    pad_len = json_bytes - 290;
    padding = xmalloc(pad_len + 1);
    for (size_t i = 0; i < pad_len; i++)
        padding[i] = "srun ./solver --input data.h5 --steps 1000 "[i % 44];
    padding[pad_len] = '\0';

    const struct bench_mode modes[] = {
        { "sequential", 1, 0 },
        { "group", (uint32_t)window, 0 },
        { "group+delay500us", (uint32_t)window, 500 },
    };

    printf("# %llu writes of ~%llu B JSON, window %llu, in %s\n", writes,
           json_bytes, window, dir);
    printf("%-24s %8s %13s %9s %10s %16s\n", "mode", "writes", "transactions",
           "seconds", "writes/s", "mean_latency_us");
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (bench_mode_run(&modes[i], dir, (uint32_t)writes, padding) < 0)
            failed = 1;
    }
    free(padding);
    log_fini();
    return failed;
}
