/* SPDX-License-Identifier: Apache-2.0 */
/* Wire messages: a frame is a 4-byte big-endian length followed by one
 * UTF-8 JSON object. The envelope is
 *   {"v":1,"id":17,"op":"job.submit","body":{...}}
 * and a reply echoes v, id and op, adds "reply":true, and carries either
 * "body" or "error":{"code":"not_found","text":"..."}. Codes come from the
 * fixed list below; raw errno numbers never cross the wire. The frame
 * decoder checks the length against the cap before allocating anything. */
#ifndef TESS_COMMON_WIRE_H
#define TESS_COMMON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tess_error;

#define WIRE_VERSION        1
#define WIRE_VERSION_OLDEST 1 /* ctld accepts v and v-1 once v > 1 */
#define WIRE_HEADER_BYTES   4
#define WIRE_MAX_FRAME_DEFAULT (16u * 1024 * 1024)
#define WIRE_OP_MAX         64

enum wire_errcode {
    WIRE_ERR_INVALID = 0, /* the request is understood but not acceptable */
    WIRE_ERR_NOT_FOUND,
    WIRE_ERR_DENIED,
    WIRE_ERR_BUSY,
    WIRE_ERR_TOO_LARGE,
    WIRE_ERR_PROTO,       /* malformed message */
    WIRE_ERR_INTERNAL,
    WIRE_ERR_COUNT,
};

const char *wire_errcode_name(enum wire_errcode code);
/* Unknown names map to WIRE_ERR_INTERNAL (a newer peer's code). */
enum wire_errcode wire_errcode_parse(const char *name);
/* The errno a client should see for a code (ENOENT for not_found...). */
int wire_errcode_errno(enum wire_errcode code);
/* The code for an errno value from a handler (EPERM -> denied...). */
enum wire_errcode wire_errcode_from_errno(int errnum);

/* A decoded envelope. Pointers borrow from the json_t it came from. */
struct wire_msg {
    int v;
    uint64_t id;
    const char *op;
    bool is_reply;
    json_t *body;             /* NULL if absent */
    bool is_error;            /* reply carrying "error" */
    enum wire_errcode err_code;
    const char *err_text;
};

/* Serialise 'msg' into a new buffer holding header and text. Returns NULL
 * with errno E2BIG if the text exceeds max_frame. *len gets the size. */
char *wire_frame_encode(const json_t *msg, size_t max_frame, size_t *len);

/* Look at 'len' bytes at 'buf'. Returns 0 if a whole frame is not there
 * yet (*need gets the total bytes needed when the header is known, else
 * WIRE_HEADER_BYTES); 1 with *msg (new reference) and *consumed set when a
 * frame was decoded; -1 with errno E2BIG (length over max_frame, nothing
 * allocated) or EPROTO (not JSON, not an object, zero length) and err. */
int wire_frame_decode(const uint8_t *buf, size_t len, size_t max_frame,
                      json_t **msg, size_t *consumed, size_t *need,
                      struct tess_error *err);

/* Check an envelope's fields. Returns 0, or -1 with errno EPROTO and err
 * naming the field. An unsupported version is EPROTONOSUPPORT. */
int wire_msg_decode(json_t *msg, struct wire_msg *out, struct tess_error *err);

/* Builders; each returns a new reference and steals 'body' (may be NULL,
 * meaning an empty object). */
json_t *wire_request_new(uint64_t id, const char *op, json_t *body);
json_t *wire_reply_new(const struct wire_msg *req, json_t *body);
json_t *wire_error_new(const struct wire_msg *req, enum wire_errcode code,
                       const char *text);

/* Field readers for codecs: each checks presence (when required), type
 * and range, and fills err with "OP: field 'NAME': expected ..." on
 * failure (errno EPROTO). Absent optional fields leave *out untouched. */
int wire_get_u64(const json_t *o, const char *op, const char *name,
                 bool required, uint64_t min, uint64_t max, uint64_t *out,
                 struct tess_error *err);
int wire_get_u32(const json_t *o, const char *op, const char *name,
                 bool required, uint32_t min, uint32_t max, uint32_t *out,
                 struct tess_error *err);
int wire_get_i64(const json_t *o, const char *op, const char *name,
                 bool required, int64_t min, int64_t max, int64_t *out,
                 struct tess_error *err);
int wire_get_bool(const json_t *o, const char *op, const char *name,
                  bool required, bool *out, struct tess_error *err);
/* *out gets a new copy (caller frees); max_len in bytes. */
int wire_get_str(const json_t *o, const char *op, const char *name,
                 bool required, size_t max_len, char **out,
                 struct tess_error *err);
/* A borrowed string (valid while o lives). */
int wire_get_str_ref(const json_t *o, const char *op, const char *name,
                     bool required, size_t max_len, const char **out,
                     struct tess_error *err);
/* An array of strings into a new NULL-terminated vector. */
int wire_get_strv(const json_t *o, const char *op, const char *name,
                  bool required, size_t max_count, size_t max_len,
                  char ***out, size_t *count, struct tess_error *err);

void wire_strv_free(char **v);

#endif
