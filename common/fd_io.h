/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-buffer writes on file descriptors, retrying short writes and
 * EINTR. Safe to call between fork and exec (no allocation). */
#ifndef TESS_COMMON_FD_IO_H
#define TESS_COMMON_FD_IO_H

#include <stddef.h>

/* Write all 'len' bytes of 'buf' to 'fd'. Returns 0, or -1 with errno
 * from write(2). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
