/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for ctld/store.c against real SQLite files in a mkdtemp
 * directory. The event loop is driven with EVLOOP_ONCE until the expected
 * callbacks have run, under a 10 s safety timer; nothing sleeps. Durability
 * is checked the hard way: a second, independent connection must see a row
 * inside its callback, and a child SIGKILLed right after an ack must not
 * lose it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "common/error.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"
#include "ctld/store.h"

#define LOOP_TIMEOUT_S 10
#define MAX_ROWS       512

struct fixture {
    char dir[PATH_MAX / 2];
    char path[PATH_MAX];
    struct event_base *base;
};

struct acks {
    int count;
    int failed;
    int last_errno;
    int order[MAX_ROWS];
    const char *path; /* for the durability check, or NULL */
};

/* One queued write's identity, for the FIFO test. */
struct ack_ref {
    struct acks *acks;
    int index;
    uint32_t id;
};

struct rows {
    int n;
    int stop_at; /* return -1 on this row (1-based); 0: never */
    uint32_t *ids;
    char **json;
};

/* ---------------------------------------------------------------- helpers */

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");

    if (snprintf(f->dir, sizeof(f->dir), "%s/test_store.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(f->dir) ||
        !mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
    f->base = event_base_new();
    if (!f->base) {
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char p[PATH_MAX * 2];
    struct dirent *de;
    DIR *d;

    if ((d = opendir(f->dir))) {
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    event_base_free(f->base);
    free(f);
    return 0;
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    *(bool *)arg = true;
}

/* Run the loop one wakeup at a time until *count reaches target. */
static int run_until(struct event_base *base, const int *count, int target)
{
    struct timeval tv = { .tv_sec = LOOP_TIMEOUT_S };
    bool timed_out = false;
    struct event *ev = evtimer_new(base, timeout_cb, &timed_out);

    evtimer_add(ev, &tv);
    while (*count < target && !timed_out)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(ev);
    return *count >= target ? 0 : -1;
}

static void count_cb(int rc, void *arg)
{
    struct acks *a = arg;

    if (rc < 0) {
        a->failed++;
        a->last_errno = errno;
    }
    a->count++;
}

static struct store *open_ok(struct fixture *f, uint32_t delay_us)
{
    struct tess_error err = { { 0 } };
    struct store *s = store_open(f->base, f->path, delay_us, &err);

    if (!s)
        fail_msg("store_open: %s", err.text);
    return s;
}

static int collect_row(uint32_t id, const char *json, void *arg)
{
    struct rows *r = arg;

    r->ids = xreallocarray(r->ids, (size_t)r->n + 1, sizeof(*r->ids));
    r->json = xreallocarray(r->json, (size_t)r->n + 1, sizeof(*r->json));
    r->ids[r->n] = id;
    r->json[r->n] = xstrdup(json);
    r->n++;
    if (r->stop_at && r->n == r->stop_at)
        return -1;
    return 0;
}

static void rows_free(struct rows *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->json[i]);
    XFREE(r->ids);
    XFREE(r->json);
    r->n = 0;
}

/* Reopen the database as a restarted controller would and load it. */
static void reload(struct fixture *f, struct rows *r)
{
    struct tess_error err = { { 0 } };
    struct store *s = open_ok(f, 0);

    if (store_load_jobs(s, collect_row, r, &err) < 0)
        fail_msg("store_load_jobs: %s", err.text);
    store_close(s);
}

/* Count rows for job 'id' through a fresh, independent connection. */
static int count_job_rows(const char *path, uint32_t id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs WHERE id = ?1", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void write_file(const char *path, const char *text, size_t reps)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    for (size_t i = 0; i < reps; i++)
        fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* ---------------------------------------------------------------- tests */

static void test_close_null(void **state)
{
    errno = EBADF;
    store_close(NULL);
    assert_int_equal(errno, EBADF);
}

static void test_put_reopen_load(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint32_t id;
        const char *json;
    } jobs[] = {
        { 42, "{\"id\":42,\"name\":\"b\\u00e9ta \\\"q\\\"\"}" },
        { 7, "{\"id\":7,\"script\":\"#!/bin/sh\\necho hi\\n\"}" },
        { UINT32_MAX, "{\"id\":4294967295}" },
        { 0, "{}" },
    };
    size_t n = sizeof(jobs) / sizeof(jobs[0]);
    struct acks a = { 0 };
    struct rows r = { 0 };
    struct store_stats stats;
    struct stat st;
    struct store *s = open_ok(f, 0);

    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    for (size_t i = 0; i < n; i++)
        store_put_job(s, jobs[i].id, jobs[i].json, count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, (int)n), 0);
    assert_int_equal(a.failed, 0);
    store_get_stats(s, &stats);
    assert_int_equal(stats.writes, n);
    store_close(s);

    reload(f, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.ids[0], 0);
    assert_int_equal(r.ids[1], 7);
    assert_int_equal(r.ids[2], 42);
    assert_int_equal(r.ids[3], UINT32_MAX);
    assert_string_equal(r.json[0], jobs[3].json);
    assert_string_equal(r.json[1], jobs[1].json);
    assert_string_equal(r.json[2], jobs[0].json);
    assert_string_equal(r.json[3], jobs[2].json);
    rows_free(&r);
}

static void test_upsert_replaces(void **state)
{
    struct fixture *f = *state;
    struct acks a = { 0 };
    struct rows r = { 0 };
    struct store *s = open_ok(f, 0);

    store_put_job(s, 5, "{\"v\":1}", count_cb, &a);
    store_put_job(s, 5, "{\"v\":2,\"longer\":true}", count_cb, &a);
    store_put_job(s, 6, "{\"v\":1}", count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, 3), 0);
    store_put_job(s, 6, "{}", count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, 4), 0);
    assert_int_equal(a.failed, 0);
    store_close(s);

    reload(f, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ids[0], 5);
    assert_string_equal(r.json[0], "{\"v\":2,\"longer\":true}");
    assert_int_equal(r.ids[1], 6);
    assert_string_equal(r.json[1], "{}");
    rows_free(&r);
}

static void test_delete(void **state)
{
    struct fixture *f = *state;
    struct acks a = { 0 };
    struct rows r = { 0 };
    struct store *s = open_ok(f, 0);

    for (uint32_t id = 1; id <= 3; id++)
        store_put_job(s, id, "{}", count_cb, &a);
    store_delete_job(s, 2, count_cb, &a);
    store_delete_job(s, 99, count_cb, &a); /* absent: not an error */
    assert_int_equal(run_until(f->base, &a.count, 5), 0);
    assert_int_equal(a.failed, 0);
    store_close(s);

    reload(f, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ids[0], 1);
    assert_int_equal(r.ids[1], 3);
    rows_free(&r);
}

static void test_meta(void **state)
{
    struct fixture *f = *state;
    struct acks a = { 0 };
    struct store *s = open_ok(f, 0);
    char *v;

    errno = 0;
    assert_null(store_get_meta(s, "next_job_id"));
    assert_int_equal(errno, ENOENT);

    store_put_meta(s, "next_job_id", "42", count_cb, &a);
    store_put_meta(s, "cluster", "alpha", NULL, NULL);
    store_put_meta(s, "next_job_id", "43", count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, 2), 0);
    store_flush(s); /* the NULL-callback write too */
    assert_int_equal(a.failed, 0);

    v = store_get_meta(s, "next_job_id");
    assert_non_null(v);
    assert_string_equal(v, "43");
    free(v);
    store_close(s);

    s = open_ok(f, 0);
    v = store_get_meta(s, "cluster");
    assert_non_null(v);
    assert_string_equal(v, "alpha");
    free(v);
    v = store_get_meta(s, "next_job_id");
    assert_non_null(v);
    assert_string_equal(v, "43");
    free(v);
    store_close(s);
}

/* Writes queued before the loop runs share transactions. */
static void test_group_commit(void **state)
{
    struct fixture *f = *state;
    const int n = 200;
    struct acks a = { 0 };
    struct store_stats stats;
    struct store *s = open_ok(f, 0);

    for (int i = 0; i < n; i++)
        store_put_job(s, (uint32_t)i + 1, "{\"x\":1}", count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, n), 0);
    assert_int_equal(a.failed, 0);
    store_get_stats(s, &stats);
    assert_int_equal(stats.writes, n);
    assert_true(stats.transactions >= 1);
    assert_true(stats.transactions < stats.writes);
    store_close(s);
}

/* With a long commit delay everything lands in one transaction, and
 * store_flush cuts the delay short and runs the callbacks itself. */
static void test_delay_and_flush(void **state)
{
    struct fixture *f = *state;
    const int n = 50;
    struct acks a = { 0 };
    struct store_stats stats;
    struct store *s = open_ok(f, 10 * 1000 * 1000);

    for (int i = 0; i < n; i++)
        store_put_job(s, (uint32_t)i + 1, "{}", count_cb, &a);
    assert_int_equal(a.count, 0);
    store_flush(s);
    assert_int_equal(a.count, n);
    assert_int_equal(a.failed, 0);
    store_get_stats(s, &stats);
    assert_int_equal(stats.writes, n);
    assert_int_equal(stats.transactions, 1);

    store_put_job(s, 1000, "{}", count_cb, &a);
    store_close(s); /* flushes: the callback runs before close returns */
    assert_int_equal(a.count, n + 1);
}

static void order_cb(int rc, void *arg)
{
    struct ack_ref *ref = arg;
    struct acks *a = ref->acks;

    if (rc < 0)
        a->failed++;
    /* Durable before the callback: an independent connection sees it. */
    if (a->path && count_job_rows(a->path, ref->id) != 1)
        a->failed++;
    a->order[a->count++] = ref->index;
}

static void test_fifo_and_durable(void **state)
{
    struct fixture *f = *state;
    const int n = 300;
    struct acks a = { .path = f->path };
    struct ack_ref *refs = xcalloc((size_t)n, sizeof(*refs));
    struct store *s = open_ok(f, 0);
    int issued = 0;

    /* Ids out of order, queued in bursts while commits are in flight. */
    while (issued < n) {
        for (int k = 0; k < 37 && issued < n; k++, issued++) {
            refs[issued].acks = &a;
            refs[issued].index = issued;
            refs[issued].id = (uint32_t)((issued * 7919) % 100003);
            store_put_job(s, refs[issued].id, "{\"fifo\":true}", order_cb,
                          &refs[issued]);
        }
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    }
    assert_int_equal(run_until(f->base, &a.count, n), 0);
    assert_int_equal(a.failed, 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(a.order[i], i);
    store_close(s);
    free(refs);
}

static void test_not_a_database(void **state)
{
    struct fixture *f = *state;
    static const char line[] = "this is a text file, not a database\n";
    struct tess_error err = { { 0 } };
    struct stat st;

    write_file(f->path, line, 200);
    errno = 0;
    assert_null(store_open(f->base, f->path, 0, &err));
    assert_int_equal(errno, EINVAL);
    assert_true(str_starts_with(err.text, f->path));
    assert_non_null(strstr(err.text, "not a database"));
    /* A failed open leaves someone else's file alone. */
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 200 * strlen(line));
}

static void test_missing_dir(void **state)
{
    struct fixture *f = *state;
    struct tess_error err = { { 0 } };
    char path[PATH_MAX * 2];

    snprintf(path, sizeof(path), "%s/missing/state.db", f->dir);
    errno = 0;
    assert_null(store_open(f->base, path, 0, &err));
    assert_int_equal(errno, ENOENT);
    assert_true(str_starts_with(err.text, path));
    assert_non_null(strstr(err.text, "unable to open database file"));
}

static void test_newer_schema(void **state)
{
    struct fixture *f = *state;
    struct tess_error err = { { 0 } };
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE jobs (id INTEGER PRIMARY KEY,"
                                  " json TEXT NOT NULL);"
                                  "PRAGMA user_version = 2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    errno = 0;
    assert_null(store_open(f->base, f->path, 0, &err));
    assert_int_equal(errno, ENOTSUP);
    assert_true(str_starts_with(err.text, f->path));
    assert_non_null(strstr(err.text, "schema version 2 is newer"));
}

static void test_load_stops(void **state)
{
    struct fixture *f = *state;
    struct tess_error err = { { 0 } };
    struct acks a = { 0 };
    struct rows r = { .stop_at = 2 };
    struct store *s = open_ok(f, 0);

    for (uint32_t id = 1; id <= 5; id++)
        store_put_job(s, id, "{}", count_cb, &a);
    assert_int_equal(run_until(f->base, &a.count, 5), 0);
    store_close(s);

    s = open_ok(f, 0);
    assert_int_equal(store_load_jobs(s, collect_row, &r, &err), -1);
    assert_int_equal(r.n, 2);
    assert_non_null(strstr(err.text, "job 2"));
    rows_free(&r);
    /* The statement was reset: a second walk starts over. */
    r.stop_at = 0;
    assert_int_equal(store_load_jobs(s, collect_row, &r, &err), 0);
    assert_int_equal(r.n, 5);
    rows_free(&r);
    store_close(s);
}

/* Child half of test_write_failure; returns its exit status. */
static int write_failure_child(const char *path)
{
    struct event_base *base = event_base_new();
    struct tess_error err = { { 0 } };
    struct rlimit old;
    struct rlimit lim;
    struct acks a = { 0 };
    struct rows r = { 0 };
    struct store *s;
    char *big;

    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG */
    log_set_level(LOG_LEVEL_QUIET);
    if (!base || !(s = store_open(base, path, 10 * 1000 * 1000, &err)))
        return 10;
    store_put_meta(s, "k", "v", count_cb, &a);
    store_flush(s);
    if (a.count != 1 || a.failed != 0)
        return 11;

    /* The file size limit plays a full disk for one batch of three. */
    big = xmalloc(1 << 20);
    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
        return 12;
    store_put_job(s, 1, "{}", count_cb, &a);
    store_put_job(s, 2, big, count_cb, &a);
    store_put_job(s, 3, "{}", count_cb, &a);
    store_flush(s);
    free(big);
    setrlimit(RLIMIT_FSIZE, &old);
    if (a.count != 4 || a.failed != 3 || a.last_errno == 0)
        return 13;

    /* The store keeps working once space is back. */
    store_put_job(s, 4, "{}", count_cb, &a);
    store_flush(s);
    if (a.count != 5 || a.failed != 3)
        return 14;
    store_close(s);

    if (!(s = store_open(base, path, 0, &err)))
        return 15;
    if (store_load_jobs(s, collect_row, &r, &err) < 0 || r.n != 1 ||
        r.ids[0] != 4)
        return 16;
    rows_free(&r);
    store_close(s);
    event_base_free(base);
    return 0;
}

static void test_write_failure(void **state)
{
    struct fixture *f = *state;
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(write_failure_child(f->path));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

struct crash_child {
    struct store *s;
    int fd;
    uint32_t next_id;
};

struct crash_ref {
    struct crash_child *c;
    uint32_t id;
};

static void crash_ack_cb(int rc, void *arg);

static void crash_put(struct crash_child *c)
{
    uint32_t id = c->next_id++;
    struct crash_ref *ref = xcalloc(1, sizeof(*ref));
    char json[128];

    ref->c = c;
    ref->id = id;
    snprintf(json, sizeof(json), "{\"id\":%u,\"crash\":true}", id);
    store_put_job(c->s, id, json, crash_ack_cb, ref);
}

static void crash_ack_cb(int rc, void *arg)
{
    struct crash_ref *ref = arg;
    struct crash_child *c = ref->c;
    uint32_t id = ref->id;

    free(ref);
    if (rc < 0)
        _exit(20);
    /* Acknowledge only now, as the controller would reply to a client. */
    if (write(c->fd, &id, sizeof(id)) != sizeof(id))
        _exit(21);
    crash_put(c);
}

/* Keeps 8 writes in flight and reports each ack until killed. */
static void crash_child_run(const char *path, int fd)
{
    struct event_base *base = event_base_new();
    struct tess_error err = { { 0 } };
    struct crash_child c = { .fd = fd, .next_id = 1 };

    if (!base || !(c.s = store_open(base, path, 0, &err)))
        _exit(22);
    for (int i = 0; i < 8; i++)
        crash_put(&c);
    event_base_dispatch(base);
    _exit(23);
}

static int read_id(int fd, uint32_t *id)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    char *p = (char *)id;
    size_t got = 0;
    ssize_t n;

    while (got < sizeof(*id)) {
        if (poll(&pfd, 1, LOOP_TIMEOUT_S * 1000) <= 0)
            return -1;
        if ((n = read(fd, p + got, sizeof(*id) - got)) <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static void test_crash_durability(void **state)
{
    struct fixture *f = *state;
    const int want = 40;
    uint32_t acked[40];
    struct rows r = { 0 };
    int pfd[2];
    int status = 0;
    int got = 0;
    pid_t pid;

    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        log_set_level(LOG_LEVEL_QUIET);
        crash_child_run(f->path, pfd[1]);
    }
    close(pfd[1]);
    while (got < want && read_id(pfd[0], &acked[got]) == 0)
        got++;
    /* No grace period: the kill lands while later commits are in flight. */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(pfd[0]);
    assert_int_equal(got, want);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    reload(f, &r);
    assert_true(r.n >= want);
    for (int i = 0; i < want; i++) {
        bool found = false;
        for (int j = 0; j < r.n && !found; j++)
            found = r.ids[j] == acked[i];
        if (!found)
            fail_msg("acked job %u lost after SIGKILL", acked[i]);
    }
    rows_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_null),
        cmocka_unit_test_setup_teardown(test_put_reopen_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delay_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_and_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_durability, setup, teardown),
    };

    log_init("test_store", LOG_LEVEL_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
