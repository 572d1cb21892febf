/* SPDX-License-Identifier: Apache-2.0 */
/* End-to-end submission benchmark: P client processes each submit N jobs
 * to a running controller ($TESS_CONF), one request at a time, and the
 * parent reports jobs/s and latency percentiles. Every reply means the job
 * is durable, so this measures admission plus group commit. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/client.h"
#include "common/conf.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One client: submit n jobs, write each latency (s) to fd. */
static int client_run(const struct conf *conf, int n, const char *gpus,
                      int fd)
{
    struct tess_error err = { "" };
    struct client *c = client_connect_ctld(conf, &err);
    struct job_desc *jd = job_desc_create();

    if (!c) {
        fprintf(stderr, "bench_submit: %s\n", err.text);
        return 1;
    }
    jd->script = xstrdup("#!/bin/sh\nsleep 600\n");
    jd->name = xstrdup("bench");
    jd->work_dir = xstrdup("/tmp");
    jd->std_out = xstrdup("/dev/null");
    jd->time_limit_min = 60;
    if (gpus) {
        jd->gpu_type = xstrdup(gpus);
        jd->gpus = 1;
    }
    for (int i = 0; i < 20; i++) { /* a realistic environment */
        char kv[128];
        snprintf(kv, sizeof(kv), "BENCH_VAR_%d=%0*d", i, 60, i);
        job_desc_add_env(jd, kv);
    }
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        json_t *reply = NULL;
        double dt;
        if (client_call(c, "job.submit", job_desc_to_json(jd), &reply, 60000,
                        &err) < 0) {
            fprintf(stderr, "bench_submit: %s\n", err.text);
            return 1;
        }
        json_decref(reply);
        dt = now_s() - t0;
        if (write(fd, &dt, sizeof(dt)) != sizeof(dt))
            return 1;
    }
    job_desc_destroy(jd);
    client_destroy(c);
    return 0;
}

int main(int argc, char **argv)
{
    struct tess_error err = { "" };
    const char *path = getenv("TESS_CONF");
    int procs = argc > 1 ? atoi(argv[1]) : 8;
    int per = argc > 2 ? atoi(argv[2]) : 1000;
    const char *gpus = argc > 3 ? argv[3] : NULL;
    struct conf *conf;
    double *lat;
    size_t nlat = 0;
    int fds[2];
    double t0;
    double dt;
    double elapsed;
    int failed = 0;

    if (!path || procs < 1 || per < 1) {
        fprintf(stderr, "usage: TESS_CONF=FILE bench_submit [PROCS [JOBS_PER_PROC "
                        "[GPU_TYPE]]]\n");
        return 2;
    }
    if (!(conf = conf_load(path, &err))) {
        fprintf(stderr, "bench_submit: %s\n", err.text);
        return 1;
    }
    if (pipe(fds) < 0)
        return 1;
    t0 = now_s();
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            close(fds[0]);
            _exit(client_run(conf, per, gpus, fds[1]));
        }
    }
    close(fds[1]);
    lat = xcalloc((size_t)procs * (size_t)per, sizeof(double));
    while (read(fds[0], &dt, sizeof(dt)) == sizeof(dt))
        lat[nlat++] = dt;
    elapsed = now_s() - t0;
    for (int p = 0; p < procs; p++) {
        int status = 0;
        wait(&status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    qsort(lat, nlat, sizeof(double), cmp_double);
    printf("clients=%d jobs=%zu seconds=%.2f jobs/s=%.0f "
           "latency_ms p50=%.2f p99=%.2f max=%.2f%s\n",
           procs, nlat, elapsed, nlat / elapsed,
           nlat ? lat[nlat / 2] * 1e3 : 0,
           nlat ? lat[nlat * 99 / 100] * 1e3 : 0,
           nlat ? lat[nlat - 1] * 1e3 : 0, failed ? " (clients failed)" : "");
    free(lat);
    conf_destroy(conf);
    return failed ? 1 : 0;
}
