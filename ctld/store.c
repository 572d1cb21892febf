/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's durable state: one SQLite database in WAL mode with
 * synchronous=FULL, so a commit that returned has reached the disk.
 *
 * The one idea: after store_open the write connection belongs to a worker
 * thread. The loop appends ops to 'queue' under 'lock'; the worker takes
 * everything queued, commits it as ONE transaction (group commit), moves
 * the ops to 'done' and writes to an eventfd. store_done_cb, back on the
 * loop, runs the callbacks in submission order. Loading at start uses a
 * second, read-only connection that only the loop thread touches, so no
 * connection is ever shared between threads. The mutex guards the queues
 * and counters below it in struct store and nothing else. */
#include "config.h"

#include "ctld/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "common/error.h"
#include "common/log.h"
#include "common/xalloc.h"

/* PRAGMA user_version of the schema this file writes. */
#define STORE_SCHEMA_VERSION  1
#define STORE_BUSY_TIMEOUT_MS 5000

enum store_op_kind {
    STORE_OP_PUT_JOB,
    STORE_OP_DELETE_JOB,
    STORE_OP_PUT_META,
};

struct store_op {
    STAILQ_ENTRY(store_op) entry;
    enum store_op_kind kind;
    uint32_t id; /* job ops */
    char *key;   /* STORE_OP_PUT_META */
    char *text;  /* job JSON or meta value */
    store_done_fn cb;
    void *arg;
    int rc;    /* written by the worker before the op reaches 'done' */
    int error; /* errno value when rc < 0 */
};

STAILQ_HEAD(store_op_list, store_op);

struct store {
    struct event_base *base;
    char *path;
    uint32_t commit_delay_us;

    /* Write connection: the worker's alone once it runs. */
    sqlite3 *db;
    sqlite3_stmt *st_begin;
    sqlite3_stmt *st_commit;
    sqlite3_stmt *st_rollback;
    sqlite3_stmt *st_put_job;
    sqlite3_stmt *st_delete_job;
    sqlite3_stmt *st_put_meta;

    /* Read connection: the loop thread's. */
    sqlite3 *rdb;
    sqlite3_stmt *st_load_jobs;
    sqlite3_stmt *st_get_meta;

    int efd;
    struct event *done_ev;
    pthread_t worker;
    bool has_sync;

    /* Loop thread only: completed ops whose callbacks are being run. A
     * callback that calls store_flush appends behind what is left here,
     * which keeps callbacks in FIFO order. */
    struct store_op_list delivering;

    pthread_mutex_t lock;
    pthread_cond_t work_cond; /* worker: queue non-empty, flush or stop */
    pthread_cond_t done_cond; /* store_flush: finished_seq advanced */
    struct store_op_list queue;
    struct store_op_list done;
    uint64_t queued_seq;      /* ops ever queued */
    uint64_t finished_seq;    /* ops whose transaction has ended */
    uint64_t first_queued_ns; /* when the oldest op in 'queue' arrived */
    unsigned flush_waiters;
    bool is_stopping;

    /* Committed work; read without the lock by store_get_stats. */
    _Atomic uint64_t writes;
    _Atomic uint64_t transactions;
};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The errno value that best describes SQLite result 'rc' on 'db'. */
static int store_errno(sqlite3 *db, int rc)
{
    int sys = db ? sqlite3_system_errno(db) : 0;

    switch (rc & 0xff) {
    case SQLITE_FULL:
        return ENOSPC;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return EBUSY;
    case SQLITE_READONLY:
        return EROFS;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return EACCES;
    case SQLITE_NOMEM:
        return ENOMEM;
    case SQLITE_TOOBIG:
        return E2BIG;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
        return EINVAL;
    case SQLITE_CANTOPEN:
        return sys ? sys : ENOENT;
    default:
        return sys ? sys : EIO;
    }
}

/* Fill err with "PATH: what" plus SQLite's message and set errno. */
static int store_sql_error(const char *path, sqlite3 *db, int rc,
                           const char *what, struct tess_error *err)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

    errno = store_errno(db, rc);
    if (what)
        return tess_errprintf(err, "%s: %s: %s", path, what, msg);
    return tess_errprintf(err, "%s: %s", path, msg);
}

/* Run a statement that returns no rows and reset it; returns the step
 * result (SQLITE_DONE on success). The error message survives the reset. */
static int stmt_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- open */

static int db_open(const char *path, int flags, sqlite3 **out,
                   struct tess_error *err)
{
    sqlite3 *db = NULL;
    int rc;

    /* Each connection is used by one thread at a time, handed over once
     * through pthread_create, so SQLite's per-connection mutex is dead
     * weight. */
    rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        store_sql_error(path, db, rc, NULL, err);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    *out = db;
    return 0;
}

static int db_prepare(struct store *s, sqlite3 *db, const char *sql,
                      sqlite3_stmt **out, struct tess_error *err)
{
    int rc =
        sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);

    if (rc != SQLITE_OK)
        return store_sql_error(s->path, db, rc, NULL, err);
    return 0;
}

/* One-row integer or text pragma result. */
static int db_pragma_int(struct store *s, const char *sql, int *out,
                         struct tess_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(s, s->db, sql, &st, err) < 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_sql_error(s->path, s->db, rc, NULL, err);
        sqlite3_finalize(st);
        return -1;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int store_set_wal(struct store *s, struct tess_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *mode;
    int rc;
    int result = -1;

    /* The first statement that reads the file: a non-database file fails
     * here with SQLITE_NOTADB ("file is not a database"). */
    if (db_prepare(s, s->db, "PRAGMA journal_mode=WAL", &st, err) < 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_sql_error(s->path, s->db, rc, NULL, err);
        goto out;
    }
    mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        errno = ENOTSUP;
        tess_errprintf(err, "%s: cannot use WAL journal mode (got '%s')",
                       s->path, mode ? mode : "?");
        goto out;
    }
    result = 0;
out:
    sqlite3_finalize(st);
    return result;
}

/* Check the schema version and create the schema in a fresh file, in one
 * IMMEDIATE transaction so two controllers racing on a new file agree. */
static int store_init_schema(struct store *s, struct tess_error *err)
{
    static const char create_sql[] =
        "CREATE TABLE IF NOT EXISTS jobs ("
        "id INTEGER PRIMARY KEY, json TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS meta ("
        "key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "PRAGMA user_version = 1;";
    int version = 0;
    int rc;

    _Static_assert(STORE_SCHEMA_VERSION == 1, "update create_sql");
    rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_sql_error(s->path, s->db, rc, NULL, err);
    if (db_pragma_int(s, "PRAGMA user_version", &version, err) < 0)
        goto fail;
    if (version > STORE_SCHEMA_VERSION) {
        errno = ENOTSUP;
        tess_errprintf(err,
                       "%s: schema version %d is newer than this "
                       "tessctld supports (%d)",
                       s->path, version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (version < STORE_SCHEMA_VERSION) {
        rc = sqlite3_exec(s->db, create_sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            store_sql_error(s->path, s->db, rc, "creating schema", err);
            goto fail;
        }
    }
    rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        store_sql_error(s->path, s->db, rc, NULL, err);
        goto fail;
    }
    return 0;
fail:
    if (!sqlite3_get_autocommit(s->db)) {
        int saved_errno = errno;
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        errno = saved_errno;
    }
    return -1;
}

static int store_prepare_all(struct store *s, struct tess_error *err)
{
    if (db_prepare(s, s->db, "BEGIN IMMEDIATE", &s->st_begin, err) < 0 ||
        db_prepare(s, s->db, "COMMIT", &s->st_commit, err) < 0 ||
        db_prepare(s, s->db, "ROLLBACK", &s->st_rollback, err) < 0 ||
        db_prepare(s, s->db,
                   "INSERT INTO jobs (id, json) VALUES (?1, ?2) "
                   "ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                   &s->st_put_job, err) < 0 ||
        db_prepare(s, s->db, "DELETE FROM jobs WHERE id = ?1",
                   &s->st_delete_job, err) < 0 ||
        db_prepare(s, s->db,
                   "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   &s->st_put_meta, err) < 0 ||
        db_prepare(s, s->rdb, "SELECT id, json FROM jobs ORDER BY id",
                   &s->st_load_jobs, err) < 0 ||
        db_prepare(s, s->rdb, "SELECT value FROM meta WHERE key = ?1",
                   &s->st_get_meta, err) < 0)
        return -1;
    return 0;
}

/* Create the file ourselves so that it gets mode 0600 whatever the umask
 * allows SQLite; SQLite gives -wal and -shm the database's mode. Sets
 * *created if the file did not exist. */
static int store_create_file(const char *path, bool *created,
                             struct tess_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0 && errno != EEXIST)
        return tess_errprintf(err, "%s: unable to open database file: %s", path,
                              strerror(errno));
    if (fd >= 0) {
        close(fd);
        *created = true;
    }
    return 0;
}

static void store_unlink_files(const char *path)
{
    char aux[4096];

    unlink(path);
    if (snprintf(aux, sizeof(aux), "%s-wal", path) < (int)sizeof(aux))
        unlink(aux);
    if (snprintf(aux, sizeof(aux), "%s-shm", path) < (int)sizeof(aux))
        unlink(aux);
}

static void *store_worker(void *arg);
static void store_done_cb(evutil_socket_t fd, short what, void *arg);
static void store_free(struct store *s);

static int store_start_worker(struct store *s, struct tess_error *err)
{
    pthread_condattr_t attr;
    sigset_t all;
    sigset_t old;
    int rc;

    if ((rc = pthread_mutex_init(&s->lock, NULL)) != 0)
        goto fail;
    if ((rc = pthread_condattr_init(&attr)) != 0) {
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    /* The commit delay is a relative wait; do not let clock steps stretch
     * it. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if ((rc = pthread_cond_init(&s->work_cond, &attr)) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    if ((rc = pthread_cond_init(&s->done_cond, NULL)) != 0) {
        pthread_cond_destroy(&s->work_cond);
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&s->lock);
        goto fail;
    }
    pthread_condattr_destroy(&attr);
    s->has_sync = true;

    /* Signals belong to the loop thread (evsignal); the worker blocks all
     * of them from birth. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&s->worker, NULL, store_worker, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        goto fail;
    return 0;
fail:
    errno = rc;
    return tess_errprintf(err, "%s: starting store thread: %s", s->path,
                          strerror(rc));
}

struct store *store_open(struct event_base *base, const char *path,
                         uint32_t commit_delay_us, struct tess_error *err)
{
    struct store *s = NULL;
    bool created = false;
    int saved_errno;
    int rc;

    if (!base || !path || !*path) {
        errno = EINVAL;
        tess_errprintf(err, "store: no event base or database path");
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));
    s->base = base;
    s->path = xstrdup(path);
    s->commit_delay_us = commit_delay_us;
    s->efd = -1;
    STAILQ_INIT(&s->delivering);
    STAILQ_INIT(&s->queue);
    STAILQ_INIT(&s->done);

    if (store_create_file(path, &created, err) < 0)
        goto fail;
    if (db_open(path, SQLITE_OPEN_READWRITE, &s->db, err) < 0)
        goto fail;
    /* SQLite quietly opens a write-protected file read-only; every commit
     * would then fail. */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        errno = EROFS;
        tess_errprintf(err, "%s: unable to open database file for writing",
                       path);
        goto fail;
    }
    if (store_set_wal(s, err) < 0)
        goto fail;
    /* Debian's default for WAL is already FULL; say so anyway: the ack
     * contract depends on it. */
    rc = sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        store_sql_error(path, s->db, rc, NULL, err);
        goto fail;
    }
    if (store_init_schema(s, err) < 0 ||
        db_open(path, SQLITE_OPEN_READONLY, &s->rdb, err) < 0 ||
        store_prepare_all(s, err) < 0)
        goto fail;

    if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        tess_errprintf(err, "%s: eventfd: %s", path, strerror(errno));
        goto fail;
    }
    s->done_ev =
        event_new(base, s->efd, EV_READ | EV_PERSIST, store_done_cb, s);
    if (!s->done_ev || event_add(s->done_ev, NULL) < 0) {
        errno = ENOMEM;
        tess_errprintf(err, "%s: cannot register store event", path);
        goto fail;
    }
    if (store_start_worker(s, err) < 0)
        goto fail;
    log_flag(STORE, "%s: opened, commit delay %u us", path, commit_delay_us);
    return s;
fail:
    saved_errno = errno;
    store_free(s);
    if (created)
        store_unlink_files(path);
    errno = saved_errno;
    return NULL;
}

/* ---------------------------------------------------------------- worker */

/* Hold the batch open until the oldest queued op is commit_delay_us old,
 * unless someone flushes or closes. Called with the lock held. */
static void store_wait_delay(struct store *s)
{
    uint64_t deadline_ns = s->first_queued_ns + s->commit_delay_us * 1000ull;
    struct timespec ts = {
        .tv_sec = (time_t)(deadline_ns / 1000000000u),
        .tv_nsec = (long)(deadline_ns % 1000000000u),
    };

    while (!s->is_stopping && s->flush_waiters == 0 &&
           monotonic_ns() < deadline_ns) {
        if (pthread_cond_timedwait(&s->work_cond, &s->lock, &ts) == ETIMEDOUT)
            break;
    }
}

static int store_run_op(struct store *s, struct store_op *op)
{
    sqlite3_stmt *st = NULL;

    /* SQLITE_STATIC: op outlives the step; the statement is reset before
     * the op goes back to the loop and rebound before it is stepped
     * again. */
    switch (op->kind) {
    case STORE_OP_PUT_JOB:
        st = s->st_put_job;
        sqlite3_bind_int64(st, 1, op->id);
        sqlite3_bind_text(st, 2, op->text, -1, SQLITE_STATIC);
        break;
    case STORE_OP_DELETE_JOB:
        st = s->st_delete_job;
        sqlite3_bind_int64(st, 1, op->id);
        break;
    case STORE_OP_PUT_META:
        st = s->st_put_meta;
        sqlite3_bind_text(st, 1, op->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, op->text, -1, SQLITE_STATIC);
        break;
    }
    return stmt_run(st);
}

/* Commit 'batch' as one transaction and set every op's rc. On any failure
 * the whole batch is rolled back and fails, with one log line. */
static void store_commit_batch(struct store *s, struct store_op_list *batch)
{
    struct store_op *op;
    size_t n = 0;
    int error = 0;
    int rc;

    STAILQ_FOREACH (op, batch, entry)
        n++;

    rc = stmt_run(s->st_begin);
    if (rc == SQLITE_DONE) {
        STAILQ_FOREACH (op, batch, entry) {
            if ((rc = store_run_op(s, op)) != SQLITE_DONE)
                break;
        }
    }
    if (rc == SQLITE_DONE)
        rc = stmt_run(s->st_commit);
    if (rc != SQLITE_DONE) {
        error = store_errno(s->db, rc);
        log_error("%s: transaction of %zu writes failed: %s", s->path, n,
                  sqlite3_errmsg(s->db));
        /* A failed COMMIT (SQLITE_BUSY) leaves the transaction open; some
         * I/O errors have already rolled it back. */
        if (!sqlite3_get_autocommit(s->db) &&
            stmt_run(s->st_rollback) != SQLITE_DONE)
            log_error("%s: rollback failed: %s", s->path,
                      sqlite3_errmsg(s->db));
    } else {
        atomic_fetch_add_explicit(&s->writes, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->transactions, 1, memory_order_relaxed);
        log_flag(STORE, "%s: committed %zu writes", s->path, n);
    }
    STAILQ_FOREACH (op, batch, entry) {
        op->rc = error ? -1 : 0;
        op->error = error;
    }
}

static void store_poke_loop(struct store *s)
{
    uint64_t one = 1;

    /* Fails only if the counter would overflow, when the loop is awake
     * anyway. */
    if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_error_errno("%s: waking the event loop", s->path);
}

static void *store_worker(void *arg)
{
    struct store *s = arg;
    struct store_op_list batch = STAILQ_HEAD_INITIALIZER(batch);
    uint64_t last_seq;

    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (STAILQ_EMPTY(&s->queue) && !s->is_stopping)
            pthread_cond_wait(&s->work_cond, &s->lock);
        if (STAILQ_EMPTY(&s->queue))
            break; /* stopping, and nothing left */
        if (s->commit_delay_us > 0)
            store_wait_delay(s);
        STAILQ_CONCAT(&batch, &s->queue);
        last_seq = s->queued_seq;
        pthread_mutex_unlock(&s->lock);

        store_commit_batch(s, &batch);

        pthread_mutex_lock(&s->lock);
        STAILQ_CONCAT(&s->done, &batch);
        s->finished_seq = last_seq;
        pthread_cond_broadcast(&s->done_cond);
        store_poke_loop(s);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---------------------------------------------------------------- loop */

static void store_op_free(struct store_op *op)
{
    if (op) {
        free(op->key);
        free(op->text);
        free(op);
    }
}

/* Run the callbacks of everything in 'delivering', oldest first. */
static void store_deliver(struct store *s)
{
    struct store_op *op;

    while ((op = STAILQ_FIRST(&s->delivering))) {
        store_done_fn cb = op->cb;
        void *arg = op->arg;
        int rc = op->rc;
        int error = op->error;

        STAILQ_REMOVE_HEAD(&s->delivering, entry);
        store_op_free(op);
        if (cb) {
            if (rc < 0)
                errno = error;
            cb(rc, arg);
        }
    }
}

static void store_done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct store *s = arg;
    uint64_t count;

    /* Only what is done now: a steady stream of commits must not keep
     * this callback from returning to the loop. */
    if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        log_error_errno("%s: reading the store eventfd", s->path);
    pthread_mutex_lock(&s->lock);
    STAILQ_CONCAT(&s->delivering, &s->done);
    pthread_mutex_unlock(&s->lock);
    store_deliver(s);
}

static void store_enqueue(struct store *s, struct store_op *op)
{
    uint64_t now_ns = s->commit_delay_us ? monotonic_ns() : 0;
    bool was_empty;

    pthread_mutex_lock(&s->lock);
    was_empty = STAILQ_EMPTY(&s->queue);
    if (was_empty)
        s->first_queued_ns = now_ns;
    STAILQ_INSERT_TAIL(&s->queue, op, entry);
    s->queued_seq++;
    /* The worker waits on an empty queue only; during a commit delay it
     * has no need to hear about each new op. */
    if (was_empty)
        pthread_cond_signal(&s->work_cond);
    pthread_mutex_unlock(&s->lock);
}

static struct store_op *store_op_new(enum store_op_kind kind, store_done_fn cb,
                                     void *arg)
{
    struct store_op *op = xcalloc(1, sizeof(*op));

    op->kind = kind;
    op->cb = cb;
    op->arg = arg;
    return op;
}

void store_put_job(struct store *s, uint32_t id, const char *json,
                   store_done_fn cb, void *arg)
{
    struct store_op *op = store_op_new(STORE_OP_PUT_JOB, cb, arg);

    assert(json);
    op->id = id;
    op->text = xstrdup(json);
    store_enqueue(s, op);
}

void store_delete_job(struct store *s, uint32_t id, store_done_fn cb, void *arg)
{
    struct store_op *op = store_op_new(STORE_OP_DELETE_JOB, cb, arg);

    op->id = id;
    store_enqueue(s, op);
}

void store_put_meta(struct store *s, const char *key, const char *value,
                    store_done_fn cb, void *arg)
{
    struct store_op *op = store_op_new(STORE_OP_PUT_META, cb, arg);

    assert(key && value);
    op->key = xstrdup(key);
    op->text = xstrdup(value);
    store_enqueue(s, op);
}

void store_flush(struct store *s)
{
    uint64_t target;

    pthread_mutex_lock(&s->lock);
    target = s->queued_seq;
    s->flush_waiters++;
    pthread_cond_signal(&s->work_cond); /* cut a commit delay short */
    while (s->finished_seq < target)
        pthread_cond_wait(&s->done_cond, &s->lock);
    s->flush_waiters--;
    STAILQ_CONCAT(&s->delivering, &s->done);
    pthread_mutex_unlock(&s->lock);
    store_deliver(s);
}

/* ---------------------------------------------------------------- reads */

int store_load_jobs(struct store *s, store_row_fn fn, void *arg,
                    struct tess_error *err)
{
    sqlite3_stmt *st = s->st_load_jobs;
    sqlite3_int64 id;
    const char *json;
    int saved_errno;
    int result = 0;
    int rc;

    /* One statement, so one read transaction: a consistent snapshot. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        json = (const char *)sqlite3_column_text(st, 1);
        if (id < 0 || id > UINT32_MAX) {
            errno = ERANGE;
            result = tess_errprintf(err, "%s: job id %lld out of range",
                                    s->path, (long long)id);
            break;
        }
        if (!json) {
            result = store_sql_error(s->path, s->rdb, sqlite3_errcode(s->rdb),
                                     "loading jobs", err);
            break;
        }
        errno = 0;
        if (fn((uint32_t)id, json, arg) < 0) {
            if (errno == 0)
                errno = ECANCELED;
            result = tess_errprintf(err, "%s: job %lld: rejected while loading",
                                    s->path, (long long)id);
            break;
        }
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = store_sql_error(s->path, s->rdb, rc, "loading jobs", err);
    saved_errno = errno;
    sqlite3_reset(st); /* ends the read transaction */
    errno = saved_errno;
    return result;
}

char *store_get_meta(struct store *s, const char *key)
{
    sqlite3_stmt *st = s->st_get_meta;
    const char *text;
    char *value = NULL;
    int error = 0;
    int rc;

    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && (text = (const char *)sqlite3_column_text(st, 0)))
        value = xstrdup(text);
    else if (rc == SQLITE_DONE)
        error = ENOENT;
    else {
        if (rc == SQLITE_ROW)
            rc = sqlite3_errcode(s->rdb);
        error = store_errno(s->rdb, rc);
        log_error("%s: reading meta '%s': %s", s->path, key,
                  sqlite3_errmsg(s->rdb));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!value)
        errno = error;
    return value;
}

/* ---------------------------------------------------------------- close */

void store_get_stats(const struct store *s, struct store_stats *out)
{
    out->writes = atomic_load_explicit(&s->writes, memory_order_relaxed);
    out->transactions =
        atomic_load_explicit(&s->transactions, memory_order_relaxed);
}

static void store_free_list(struct store_op_list *list)
{
    struct store_op *op;

    while ((op = STAILQ_FIRST(list))) {
        STAILQ_REMOVE_HEAD(list, entry);
        store_op_free(op);
    }
}

/* Release whatever store_open got as far as creating; the worker must
 * have been joined. */
static void store_free(struct store *s)
{
    sqlite3_stmt **stmts[] = {
        &s->st_begin,      &s->st_commit,   &s->st_rollback,  &s->st_put_job,
        &s->st_delete_job, &s->st_put_meta, &s->st_load_jobs, &s->st_get_meta,
    };
    int rc;

    if (s->done_ev)
        event_free(s->done_ev);
    if (s->efd >= 0)
        close(s->efd);
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        sqlite3_finalize(*stmts[i]);
        *stmts[i] = NULL;
    }
    /* Reader first: the last connection to close checkpoints the WAL and
     * removes it. */
    sqlite3_close(s->rdb);
    if ((rc = sqlite3_close(s->db)) != SQLITE_OK)
        log_error("%s: close: %s", s->path, sqlite3_errstr(rc));
    store_free_list(&s->delivering);
    store_free_list(&s->queue);
    store_free_list(&s->done);
    if (s->has_sync) {
        pthread_cond_destroy(&s->done_cond);
        pthread_cond_destroy(&s->work_cond);
        pthread_mutex_destroy(&s->lock);
    }
    free(s->path);
    free(s);
}

void store_close(struct store *s)
{
    int saved_errno = errno;

    if (!s)
        return;
    store_flush(s);
    pthread_mutex_lock(&s->lock);
    s->is_stopping = true;
    pthread_cond_signal(&s->work_cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->worker, NULL);
    /* Nothing can have been queued since the flush: only the loop thread
     * queues, and it is here. */
    store_deliver(s);
    store_free(s);
    errno = saved_errno;
}
