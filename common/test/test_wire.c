/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the wire: frame codec, envelope checks, field readers,
 * and the connection's refusal of unauthenticated, oversized and
 * malformed input (driven over a socketpair with a real event loop). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "common/conn.h"
#include "common/error.h"
#include "common/wire.h"

static json_t *decode_one(const char *bytes, size_t len, int *rc,
                          size_t *used)
{
    struct tess_error err = { "" };
    json_t *msg = NULL;
    size_t need = 0;
    *rc = wire_frame_decode((const uint8_t *)bytes, len, 1024, &msg, used,
                            &need, &err);
    return msg;
}

static void test_frame_round_trip(void **state)
{
    json_t *in = wire_request_new(7, "job.list", json_pack("{s:s}", "a", "b"));
    size_t len = 0;
    size_t used = 0;
    char *buf = wire_frame_encode(in, 1024, &len);
    json_t *out;
    int rc;

    assert_non_null(buf);
    assert_int_equal(buf[0], 0);
    out = decode_one(buf, len, &rc, &used);
    assert_int_equal(rc, 1);
    assert_int_equal(used, len);
    assert_true(json_equal(in, out));
    json_decref(out);
    json_decref(in);
    free(buf);
}

static void test_frame_partial(void **state)
{
    json_t *in = wire_request_new(1, "ctld.ping", NULL);
    size_t len = 0;
    char *buf = wire_frame_encode(in, 1024, &len);
    struct tess_error err = { "" };
    json_t *msg = NULL;
    size_t used = 0;
    size_t need = 0;

    /* Every proper prefix asks for more and reports how much. */
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(wire_frame_decode((uint8_t *)buf, i, 1024, &msg,
                                           &used, &need, &err),
                         0);
        assert_true(need > i);
        assert_null(msg);
    }
    json_decref(in);
    free(buf);
}

static void test_frame_bad(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        int err;
        const char *text;
    } cases[] = {
        { "\x7f\xff\xff\xff", 4, E2BIG, "exceeds the 1024-byte cap" },
        { "\x00\x00\x04\x01", 4, E2BIG, "frame of 1025 bytes" },
        { "\x00\x00\x00\x00", 4, EPROTO, "empty frame" },
        { "\x00\x00\x00\x03" "abc", 7, EPROTO, "malformed JSON" },
        { "\x00\x00\x00\x03" "[1]", 7, EPROTO, "not a JSON object" },
        { "\x00\x00\x00\x0f" "{\"a\":1,\"a\":2}  ", 19, EPROTO,
          "malformed JSON" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tess_error err = { "" };
        json_t *msg = NULL;
        size_t used = 0;
        size_t need = 0;
        errno = 0;
        assert_int_equal(wire_frame_decode((const uint8_t *)cases[i].bytes,
                                           cases[i].len, 1024, &msg, &used,
                                           &need, &err),
                         -1);
        assert_int_equal(errno, cases[i].err);
        assert_non_null(strstr(err.text, cases[i].text));
        assert_null(msg);
    }
}

static void test_frame_encode_cap(void **state)
{
    json_t *big = json_pack("{s:s%}", "x", "", (size_t)0);
    char *s = malloc(2000);
    size_t len;

    memset(s, 'a', 1999);
    s[1999] = '\0';
    json_object_set_new(big, "x", json_string(s));
    errno = 0;
    assert_null(wire_frame_encode(big, 1024, &len));
    assert_int_equal(errno, E2BIG);
    json_decref(big);
    free(s);
}

static void test_envelope(void **state)
{
    static const struct {
        const char *json;
        int rc;
        const char *text;
    } cases[] = {
        { "{\"v\":1,\"id\":3,\"op\":\"job.get\",\"body\":{}}", 0, NULL },
        { "{\"id\":3,\"op\":\"job.get\"}", -1, "field 'v'" },
        { "{\"v\":9,\"id\":3,\"op\":\"job.get\"}", -1, "version 9" },
        { "{\"v\":1,\"id\":-1,\"op\":\"job.get\"}", -1, "field 'id'" },
        { "{\"v\":1,\"id\":\"x\",\"op\":\"job.get\"}", -1, "field 'id'" },
        { "{\"v\":1,\"id\":1,\"op\":\"\"}", -1, "field 'op'" },
        { "{\"v\":1,\"id\":1,\"op\":7}", -1, "field 'op'" },
        { "{\"v\":1,\"id\":1,\"op\":\"a\",\"body\":[]}", -1, "field 'body'" },
        { "{\"v\":1,\"id\":1,\"op\":\"a\",\"reply\":1}", -1,
          "field 'reply'" },
        { "{\"v\":1,\"id\":1,\"op\":\"a\",\"reply\":true,\"error\":{}}", -1,
          "field 'error'" },
        { "{\"v\":1,\"id\":1,\"op\":\"a\",\"reply\":true,\"error\":"
          "{\"code\":\"denied\",\"text\":\"no\"}}",
          0, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tess_error err = { "" };
        struct wire_msg m;
        json_t *o = json_loads(cases[i].json, 0, NULL);
        assert_non_null(o);
        assert_int_equal(wire_msg_decode(o, &m, &err), cases[i].rc);
        if (cases[i].text)
            assert_non_null(strstr(err.text, cases[i].text));
        json_decref(o);
    }
}

static void test_error_reply(void **state)
{
    json_t *req = wire_request_new(5, "job.cancel", NULL);
    struct wire_msg m;
    struct wire_msg r;
    json_t *rep;

    assert_int_equal(wire_msg_decode(req, &m, NULL), 0);
    rep = wire_error_new(&m, WIRE_ERR_NOT_FOUND, "job 5 does not exist");
    assert_int_equal(wire_msg_decode(rep, &r, NULL), 0);
    assert_true(r.is_reply);
    assert_true(r.is_error);
    assert_int_equal(r.id, 5);
    assert_string_equal(r.op, "job.cancel");
    assert_int_equal(r.err_code, WIRE_ERR_NOT_FOUND);
    assert_int_equal(wire_errcode_errno(r.err_code), ENOENT);
    assert_string_equal(r.err_text, "job 5 does not exist");
    assert_int_equal(wire_errcode_parse("from_the_future"), WIRE_ERR_INTERNAL);
    json_decref(rep);
    json_decref(req);
}

static void test_field_readers(void **state)
{
    json_t *o = json_loads("{\"n\":5,\"neg\":-1,\"s\":\"abc\",\"b\":true,"
                           "\"v\":[\"x\",\"y\"],\"bad\":[1]}",
                           0, NULL);
    struct tess_error err = { "" };
    uint32_t u = 0;
    char *s = NULL;
    char **v = NULL;
    size_t n = 0;
    bool b = false;

    assert_int_equal(wire_get_u32(o, "t", "n", true, 1, 10, &u, &err), 0);
    assert_int_equal(u, 5);
    assert_int_equal(wire_get_u32(o, "t", "n", true, 6, 10, &u, &err), -1);
    assert_int_equal(errno, EPROTO);
    assert_string_equal(err.text, "t: field 'n': expected integer 6..10");
    assert_int_equal(wire_get_u32(o, "t", "neg", true, 0, 10, &u, &err), -1);
    assert_int_equal(wire_get_u32(o, "t", "missing", true, 0, 10, &u, &err),
                     -1);
    assert_string_equal(err.text, "t: field 'missing': missing");
    u = 99;
    assert_int_equal(wire_get_u32(o, "t", "missing", false, 0, 10, &u, &err),
                     0);
    assert_int_equal(u, 99);
    assert_int_equal(wire_get_str(o, "t", "s", true, 2, &s, &err), -1);
    assert_int_equal(wire_get_str(o, "t", "s", true, 3, &s, &err), 0);
    assert_string_equal(s, "abc");
    free(s);
    assert_int_equal(wire_get_bool(o, "t", "b", true, &b, &err), 0);
    assert_true(b);
    assert_int_equal(wire_get_bool(o, "t", "n", true, &b, &err), -1);
    assert_int_equal(wire_get_strv(o, "t", "v", true, 10, 10, &v, &n, &err),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(v[1], "y");
    assert_null(v[2]);
    wire_strv_free(v);
    assert_int_equal(wire_get_strv(o, "t", "v", true, 1, 10, &v, &n, &err),
                     -1);
    assert_int_equal(wire_get_strv(o, "t", "bad", true, 10, 10, &v, &n, &err),
                     -1);
    json_decref(o);
}

/* --- conn over a socketpair ------------------------------------------ */

struct peer_state {
    int requests;
    int closed;
};

static void req_cb(struct conn *c, const struct wire_msg *m, void *arg)
{
    struct peer_state *ps = arg;
    ps->requests++;
    if (!strcmp(m->op, "big.reply")) { /* larger than the 4096-byte cap */
        char big[6000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        conn_reply(c, m, json_pack("{s:s}", "data", big));
        return;
    }
    conn_reply(c, m, json_pack("{s:s}", "echo", m->op));
}

static void closed_cb(struct conn *c, void *arg)
{
    struct peer_state *ps = arg;
    ps->closed++;
}

static const struct conn_ops test_ops = { .request = req_cb,
                                          .closed = closed_cb };

static void send_raw(int fd, const void *buf, size_t len)
{
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void send_frame(int fd, json_t *msg)
{
    size_t len = 0;
    char *buf = wire_frame_encode(msg, WIRE_MAX_FRAME_DEFAULT, &len);
    send_raw(fd, buf, len);
    free(buf);
    json_decref(msg);
}

/* Run the loop until fd has a whole frame (or EOF); return it. */
static json_t *read_reply(struct event_base *base, int fd, bool *eof)
{
    static char buf[65536];
    static size_t have;
    *eof = false;
    for (int spins = 0; spins < 1000; spins++) {
        struct tess_error err = { "" };
        json_t *msg = NULL;
        size_t used = 0;
        size_t need = 0;
        ssize_t n;

        if (have && wire_frame_decode((uint8_t *)buf, have, sizeof(buf), &msg,
                                      &used, &need, &err) == 1) {
            memmove(buf, buf + used, have - used);
            have -= used;
            return msg;
        }
        event_base_loop(base, EVLOOP_NONBLOCK);
        n = recv(fd, buf + have, sizeof(buf) - have, MSG_DONTWAIT);
        if (n == 0) {
            *eof = true;
            return NULL;
        }
        if (n > 0)
            have += (size_t)n;
        else
            usleep(1000);
    }
    fail_msg("no reply");
    return NULL;
}

struct fixture {
    struct event_base *base;
    int fds[2];
    struct peer_state ps;
    struct conn *c;
    struct conn_params params;
};

static struct fixture *fixture_new(bool is_unix)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->base = event_base_new();
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds), 0);
    f->params.max_frame = 4096;
    f->params.name = "test";
    f->c = conn_accept(f->base, f->fds[0], is_unix, &f->params, &test_ops,
                       &f->ps);
    assert_non_null(f->c);
    return f;
}

static void fixture_free(struct fixture *f)
{
    if (f->ps.closed == 0)
        conn_close(f->c);
    close(f->fds[1]);
    event_base_free(f->base);
    free(f);
}

static void expect_error_and_close(struct fixture *f, const char *code)
{
    bool eof = false;
    json_t *rep = read_reply(f->base, f->fds[1], &eof);
    json_t *err;

    assert_non_null(rep);
    err = json_object_get(rep, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")),
                        code);
    json_decref(rep);
    assert_null(read_reply(f->base, f->fds[1], &eof));
    assert_true(eof);
    assert_int_equal(f->ps.closed, 1);
    assert_int_equal(f->ps.requests, 0);
}

static void test_conn_unix_identity(void **state)
{
    struct fixture *f = fixture_new(true);
    bool eof = false;
    json_t *rep;

    assert_int_equal(conn_peer_identity(f->c)->uid, getuid());
    assert_true(conn_peer_identity(f->c)->is_local);
    /* Two requests in one write: both answered, in order. */
    send_frame(f->fds[1], wire_request_new(1, "a.one", NULL));
    send_frame(f->fds[1], wire_request_new(2, "a.two", NULL));
    rep = read_reply(f->base, f->fds[1], &eof);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(rep, "body"),
                                          "echo")),
        "a.one");
    json_decref(rep);
    rep = read_reply(f->base, f->fds[1], &eof);
    assert_int_equal(json_integer_value(json_object_get(rep, "id")), 2);
    json_decref(rep);
    assert_int_equal(f->ps.requests, 2);
    fixture_free(f);
}

static void test_conn_reply_too_large(void **state)
{
    struct fixture *f = fixture_new(true);
    bool eof = false;
    json_t *rep;

    /* An oversized reply becomes a too_large error; the connection
     * stays usable. */
    send_frame(f->fds[1], wire_request_new(1, "big.reply", NULL));
    rep = read_reply(f->base, f->fds[1], &eof);
    assert_non_null(rep);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(rep, "error"), "code")),
                        "too_large");
    json_decref(rep);
    send_frame(f->fds[1], wire_request_new(2, "a.small", NULL));
    rep = read_reply(f->base, f->fds[1], &eof);
    assert_non_null(rep);
    assert_int_equal(json_integer_value(json_object_get(rep, "id")), 2);
    json_decref(rep);
    assert_int_equal(f->ps.closed, 0);
    fixture_free(f);
}

static void test_conn_unauthenticated(void **state)
{
    struct fixture *f = fixture_new(false);
    send_frame(f->fds[1], wire_request_new(1, "job.list", NULL));
    expect_error_and_close(f, "denied");
    fixture_free(f);
}

static void test_conn_hello_without_cred(void **state)
{
    struct fixture *f = fixture_new(false);
    send_frame(f->fds[1], wire_request_new(1, "auth.hello", NULL));
    expect_error_and_close(f, "proto");
    fixture_free(f);
}

static void test_conn_oversized(void **state)
{
    struct fixture *f = fixture_new(true);
    send_raw(f->fds[1], "\x00\x10\x00\x00", 4); /* 1 MiB > 4096 cap */
    expect_error_and_close(f, "too_large");
    fixture_free(f);
}

static void test_conn_malformed(void **state)
{
    struct fixture *f = fixture_new(true);
    send_raw(f->fds[1], "\x00\x00\x00\x05{{{{{", 9);
    expect_error_and_close(f, "proto");
    fixture_free(f);
}

static void test_conn_bad_envelope(void **state)
{
    struct fixture *f = fixture_new(true);
    send_frame(f->fds[1], json_pack("{s:i}", "v", 1));
    expect_error_and_close(f, "proto");
    fixture_free(f);
}

static void test_conn_peer_close(void **state)
{
    struct fixture *f = fixture_new(true);
    bool eof;
    close(f->fds[1]);
    f->fds[1] = -1;
    for (int i = 0; i < 100 && !f->ps.closed; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_int_equal(f->ps.closed, 1);
    (void)eof;
    event_base_free(f->base);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_round_trip),
        cmocka_unit_test(test_frame_partial),
        cmocka_unit_test(test_frame_bad),
        cmocka_unit_test(test_frame_encode_cap),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_field_readers),
        cmocka_unit_test(test_conn_unix_identity),
        cmocka_unit_test(test_conn_reply_too_large),
        cmocka_unit_test(test_conn_unauthenticated),
        cmocka_unit_test(test_conn_hello_without_cred),
        cmocka_unit_test(test_conn_oversized),
        cmocka_unit_test(test_conn_malformed),
        cmocka_unit_test(test_conn_bad_envelope),
        cmocka_unit_test(test_conn_peer_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
