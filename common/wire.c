/* SPDX-License-Identifier: Apache-2.0 */
/* Frame and envelope codec plus the checked field readers every op codec
 * uses. Nothing here touches a socket: conn.c and client.c move bytes. */
#include "config.h"

#include "common/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "common/xalloc.h"

static const char *const errcode_names[WIRE_ERR_COUNT] = {
    [WIRE_ERR_INVALID] = "invalid",     [WIRE_ERR_NOT_FOUND] = "not_found",
    [WIRE_ERR_DENIED] = "denied",       [WIRE_ERR_BUSY] = "busy",
    [WIRE_ERR_TOO_LARGE] = "too_large", [WIRE_ERR_PROTO] = "proto",
    [WIRE_ERR_INTERNAL] = "internal",
};

const char *wire_errcode_name(enum wire_errcode code)
{
    return (unsigned)code < WIRE_ERR_COUNT ? errcode_names[code] : "internal";
}

enum wire_errcode wire_errcode_parse(const char *name)
{
    for (int i = 0; i < WIRE_ERR_COUNT; i++)
        if (!strcmp(name, errcode_names[i]))
            return (enum wire_errcode)i;
    return WIRE_ERR_INTERNAL;
}

int wire_errcode_errno(enum wire_errcode code)
{
    switch (code) {
    case WIRE_ERR_INVALID:
        return EINVAL;
    case WIRE_ERR_NOT_FOUND:
        return ENOENT;
    case WIRE_ERR_DENIED:
        return EPERM;
    case WIRE_ERR_BUSY:
        return EBUSY;
    case WIRE_ERR_TOO_LARGE:
        return E2BIG;
    case WIRE_ERR_PROTO:
        return EPROTO;
    default:
        return EIO;
    }
}

enum wire_errcode wire_errcode_from_errno(int errnum)
{
    switch (errnum) {
    case EINVAL:
    case EEXIST:
    case ERANGE:
        return WIRE_ERR_INVALID;
    case ENOENT:
    case ESRCH:
        return WIRE_ERR_NOT_FOUND;
    case EPERM:
    case EACCES:
        return WIRE_ERR_DENIED;
    case EBUSY:
    case EAGAIN:
        return WIRE_ERR_BUSY;
    case E2BIG:
    case EMSGSIZE:
        return WIRE_ERR_TOO_LARGE;
    case EPROTO:
        return WIRE_ERR_PROTO;
    default:
        return WIRE_ERR_INTERNAL;
    }
}

char *wire_frame_encode(const json_t *msg, size_t max_frame, size_t *len)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    size_t tlen;
    char *buf;
    uint32_t be;

    if (!text) {
        errno = EINVAL;
        return NULL;
    }
    tlen = strlen(text);
    if (tlen > max_frame || tlen > UINT32_MAX) {
        free(text);
        errno = E2BIG;
        return NULL;
    }
    buf = xmalloc(WIRE_HEADER_BYTES + tlen);
    be = htonl((uint32_t)tlen);
    memcpy(buf, &be, WIRE_HEADER_BYTES);
    memcpy(buf + WIRE_HEADER_BYTES, text, tlen);
    free(text);
    *len = WIRE_HEADER_BYTES + tlen;
    return buf;
}

int wire_frame_decode(const uint8_t *buf, size_t len, size_t max_frame,
                      json_t **msg, size_t *consumed, size_t *need,
                      struct tess_error *err)
{
    uint32_t be;
    size_t flen;
    json_error_t jerr;
    json_t *o;

    if (len < WIRE_HEADER_BYTES) {
        *need = WIRE_HEADER_BYTES;
        return 0;
    }
    memcpy(&be, buf, WIRE_HEADER_BYTES);
    flen = ntohl(be);
    if (flen > max_frame) {
        errno = E2BIG;
        return tess_errprintf(err, "frame of %zu bytes exceeds the %zu-byte cap",
                              flen, max_frame);
    }
    if (flen == 0) {
        errno = EPROTO;
        return tess_errprintf(err, "empty frame");
    }
    if (len - WIRE_HEADER_BYTES < flen) {
        *need = WIRE_HEADER_BYTES + flen;
        return 0;
    }
    o = json_loadb((const char *)buf + WIRE_HEADER_BYTES, flen,
                   JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        errno = EPROTO;
        return tess_errprintf(err, "malformed JSON at byte %d: %s",
                              jerr.position, jerr.text);
    }
    if (!json_is_object(o)) {
        json_decref(o);
        errno = EPROTO;
        return tess_errprintf(err, "message is not a JSON object");
    }
    *msg = o;
    *consumed = WIRE_HEADER_BYTES + flen;
    return 1;
}

int wire_msg_decode(json_t *msg, struct wire_msg *out, struct tess_error *err)
{
    struct wire_msg m = { 0 };
    json_t *v = json_object_get(msg, "v");
    json_t *id = json_object_get(msg, "id");
    json_t *op = json_object_get(msg, "op");
    json_t *reply = json_object_get(msg, "reply");
    json_t *body = json_object_get(msg, "body");
    json_t *error = json_object_get(msg, "error");

    if (!json_is_integer(v)) {
        errno = EPROTO;
        return tess_errprintf(err, "envelope: field 'v': expected integer");
    }
    if (json_integer_value(v) < WIRE_VERSION_OLDEST ||
        json_integer_value(v) > WIRE_VERSION) {
        errno = EPROTONOSUPPORT;
        return tess_errprintf(err,
                              "envelope: protocol version %lld unsupported "
                              "(this build speaks %d to %d)",
                              (long long)json_integer_value(v),
                              WIRE_VERSION_OLDEST, WIRE_VERSION);
    }
    if (!json_is_integer(id) || json_integer_value(id) < 0) {
        errno = EPROTO;
        return tess_errprintf(err,
                              "envelope: field 'id': expected integer >= 0");
    }
    if (!json_is_string(op) || json_string_length(op) == 0 ||
        json_string_length(op) > WIRE_OP_MAX) {
        errno = EPROTO;
        return tess_errprintf(err, "envelope: field 'op': expected a string "
                                   "of 1..%d bytes",
                              WIRE_OP_MAX);
    }
    if (reply && !json_is_boolean(reply)) {
        errno = EPROTO;
        return tess_errprintf(err, "envelope: field 'reply': expected boolean");
    }
    if (body && !json_is_object(body)) {
        errno = EPROTO;
        return tess_errprintf(err, "envelope: field 'body': expected object");
    }
    m.v = (int)json_integer_value(v);
    m.id = (uint64_t)json_integer_value(id);
    m.op = json_string_value(op);
    m.is_reply = reply && json_is_true(reply);
    m.body = body;
    if (error) {
        json_t *code = json_object_get(error, "code");
        json_t *text = json_object_get(error, "text");
        if (!json_is_object(error) || !json_is_string(code) ||
            (text && !json_is_string(text))) {
            errno = EPROTO;
            return tess_errprintf(err, "envelope: field 'error': expected "
                                       "{\"code\":string,\"text\":string}");
        }
        m.is_error = true;
        m.err_code = wire_errcode_parse(json_string_value(code));
        m.err_text = text ? json_string_value(text) : "";
    }
    *out = m;
    return 0;
}

json_t *wire_request_new(uint64_t id, const char *op, json_t *body)
{
    return json_pack("{s:i, s:I, s:s, s:o}", "v", WIRE_VERSION, "id",
                     (json_int_t)id, "op", op, "body",
                     body ? body : json_object());
}

json_t *wire_reply_new(const struct wire_msg *req, json_t *body)
{
    return json_pack("{s:i, s:I, s:s, s:b, s:o}", "v", req->v, "id",
                     (json_int_t)req->id, "op", req->op, "reply", 1, "body",
                     body ? body : json_object());
}

json_t *wire_error_new(const struct wire_msg *req, enum wire_errcode code,
                       const char *text)
{
    return json_pack("{s:i, s:I, s:s, s:b, s:{s:s, s:s}}", "v",
                     req ? req->v : WIRE_VERSION, "id",
                     (json_int_t)(req ? req->id : 0), "op",
                     req ? req->op : "error", "reply", 1, "error", "code",
                     wire_errcode_name(code), "text", text);
}

static int field_error(struct tess_error *err, const char *op,
                       const char *name, const char *what)
{
    errno = EPROTO;
    return tess_errprintf(err, "%s: field '%s': %s", op, name, what);
}

int wire_get_i64(const json_t *o, const char *op, const char *name,
                 bool required, int64_t min, int64_t max, int64_t *out,
                 struct tess_error *err)
{
    json_t *v = json_object_get(o, name);
    char what[96];

    if (!v) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max) {
        snprintf(what, sizeof(what), "expected integer %lld..%lld",
                 (long long)min, (long long)max);
        return field_error(err, op, name, what);
    }
    *out = json_integer_value(v);
    return 0;
}

int wire_get_u64(const json_t *o, const char *op, const char *name,
                 bool required, uint64_t min, uint64_t max, uint64_t *out,
                 struct tess_error *err)
{
    int64_t v = 0;
    /* JSON integers are signed 64-bit in jansson; cap there. */
    if (max > INT64_MAX)
        max = INT64_MAX;
    if (!json_object_get(o, name)) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (wire_get_i64(o, op, name, required, (int64_t)min, (int64_t)max, &v,
                     err) < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int wire_get_u32(const json_t *o, const char *op, const char *name,
                 bool required, uint32_t min, uint32_t max, uint32_t *out,
                 struct tess_error *err)
{
    int64_t v = 0;
    if (!json_object_get(o, name)) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (wire_get_i64(o, op, name, required, min, max, &v, err) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int wire_get_bool(const json_t *o, const char *op, const char *name,
                  bool required, bool *out, struct tess_error *err)
{
    json_t *v = json_object_get(o, name);
    if (!v) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (!json_is_boolean(v))
        return field_error(err, op, name, "expected boolean");
    *out = json_is_true(v);
    return 0;
}

int wire_get_str_ref(const json_t *o, const char *op, const char *name,
                     bool required, size_t max_len, const char **out,
                     struct tess_error *err)
{
    json_t *v = json_object_get(o, name);
    char what[96];

    if (!v) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) > max_len ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(what, sizeof(what),
                 "expected a string of at most %zu bytes without NUL",
                 max_len);
        return field_error(err, op, name, what);
    }
    *out = json_string_value(v);
    return 0;
}

int wire_get_str(const json_t *o, const char *op, const char *name,
                 bool required, size_t max_len, char **out,
                 struct tess_error *err)
{
    const char *s = NULL;
    if (wire_get_str_ref(o, op, name, required, max_len, &s, err) < 0)
        return -1;
    if (s)
        *out = xstrdup(s);
    return 0;
}

int wire_get_strv(const json_t *o, const char *op, const char *name,
                  bool required, size_t max_count, size_t max_len,
                  char ***out, size_t *count, struct tess_error *err)
{
    json_t *a = json_object_get(o, name);
    json_t *item;
    size_t i;
    char **v;
    char what[96];

    if (!a) {
        if (required)
            return field_error(err, op, name, "missing");
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) > max_count) {
        snprintf(what, sizeof(what),
                 "expected an array of at most %zu strings", max_count);
        return field_error(err, op, name, what);
    }
    json_array_foreach(a, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) > max_len ||
            strlen(json_string_value(item)) != json_string_length(item)) {
            snprintf(what, sizeof(what),
                     "item %zu: expected a string of at most %zu bytes", i,
                     max_len);
            return field_error(err, op, name, what);
        }
    }
    v = xcalloc(json_array_size(a) + 1, sizeof(*v));
    json_array_foreach(a, i, item) v[i] = xstrdup(json_string_value(item));
    *out = v;
    *count = json_array_size(a);
    return 0;
}

void wire_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}
