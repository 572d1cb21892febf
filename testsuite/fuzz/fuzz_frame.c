/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the frame and envelope decoders: arbitrary bytes
 * are split into frames as a connection would, each decoded frame goes
 * through the envelope check, and whatever decodes must re-encode. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/error.h"
#include "common/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;

    while (off < size) {
        struct tess_error err = { "" };
        struct wire_msg m;
        json_t *msg = NULL;
        size_t used = 0;
        size_t need = 0;
        int rc = wire_frame_decode(data + off, size - off, 65536, &msg, &used,
                                   &need, &err);
        if (rc <= 0)
            break;
        if (wire_msg_decode(msg, &m, &err) == 0) {
            json_t *rep = m.is_reply ? NULL : wire_reply_new(&m, NULL);
            size_t len = 0;
            char *buf = rep ? wire_frame_encode(rep, 1u << 20, &len) : NULL;
            if (rep && !buf)
                abort(); /* a reply to a decodable request must encode */
            free(buf);
            json_decref(rep);
        }
        json_decref(msg);
        off += used;
    }
    return 0;
}
