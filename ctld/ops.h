/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's request handlers, one table row per op. */
#ifndef TESS_CTLD_OPS_H
#define TESS_CTLD_OPS_H

struct conn;
struct ctld;
struct wire_msg;

/* Route an authenticated request to its handler. Unknown ops get an
 * 'invalid' error naming the op. */
void ops_dispatch(struct ctld *ctx, struct conn *c, const struct wire_msg *m);

/* The op names this controller serves, NULL-terminated (for doc/wire.md's
 * test). */
const char *const *ops_names(void);

#endif
