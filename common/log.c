/* SPDX-License-Identifier: Apache-2.0 */
/* The log sink. One process-wide sink is the one exception to "no mutable
 * globals": every module logs, and threading a handle through all of them
 * buys nothing. Lines are written with one write(2) so concurrent writers
 * (the store thread) never interleave within a line. */
#include "config.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum log_level log_current_level = LOG_LEVEL_INFO;
uint32_t log_current_flags;

static char log_name[64] = "tessera";
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = {
    [LOG_LEVEL_QUIET] = "quiet",     [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_VERBOSE] = "verbose", [LOG_LEVEL_DEBUG] = "debug",
};

static const struct {
    const char *name;
    uint32_t flag;
} flag_names[] = {
    { "sched", LOG_FLAG_SCHED }, { "wire", LOG_FLAG_WIRE },
    { "auth", LOG_FLAG_AUTH },   { "store", LOG_FLAG_STORE },
    { "launch", LOG_FLAG_LAUNCH },
};

void log_init(const char *name, enum log_level level)
{
    snprintf(log_name, sizeof(log_name), "%s", name);
    log_current_level = level;
}

int log_open_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void log_set_level(enum log_level level)
{
    log_current_level = level;
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (!strcasecmp(s, level_names[i])) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0') {
        *out = (enum log_level)(s[0] - '0');
        return 0;
    }
    errno = EINVAL;
    return -1;
}

int log_flags_parse(const char *s, uint32_t *out)
{
    uint32_t flags = 0;
    const char *p = s;

    while (*p) {
        size_t len = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]);
             i++) {
            if (strlen(flag_names[i].name) == len &&
                !strncasecmp(p, flag_names[i].name, len)) {
                flags |= flag_names[i].flag;
                found = true;
            }
        }
        if (!found && len > 0) {
            errno = EINVAL;
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *out = flags;
    return 0;
}

void log_fini(void)
{
    if (log_fd != STDERR_FILENO) {
        close(log_fd);
        log_fd = STDERR_FILENO;
    }
}

/* Append to a bounded line buffer; keeps *n within size - 2 so there is
 * always room for the newline. */
static void line_append(char *line, size_t size, size_t *n, const char *fmt,
                        va_list ap) __attribute__((format(printf, 4, 0)));
static void line_append(char *line, size_t size, size_t *n, const char *fmt,
                        va_list ap)
{
    int rc = vsnprintf(line + *n, size - 1 - *n, fmt, ap);
    if (rc > 0)
        *n += (size_t)rc < size - 1 - *n ? (size_t)rc : size - 2 - *n;
}

static void line_appendf(char *line, size_t size, size_t *n, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
static void line_appendf(char *line, size_t size, size_t *n, const char *fmt,
                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    line_append(line, size, n, fmt, ap);
    va_end(ap);
}

static void log_vmsg(enum log_level level, bool with_errno, const char *fmt,
                     va_list ap) __attribute__((format(printf, 3, 0)));
static void log_vmsg(enum log_level level, bool with_errno, const char *fmt,
                     va_list ap)
{
    int saved_errno = errno;
    char line[4096];
    struct timeval tv;
    struct tm tm;
    size_t n;

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    line_appendf(line, sizeof(line), &n, ".%03ld %s[%d]: %s: ",
                 (long)(tv.tv_usec / 1000), log_name, (int)getpid(),
                 level_names[level]);
    line_append(line, sizeof(line), &n, fmt, ap);
    if (with_errno)
        line_appendf(line, sizeof(line), &n, ": %s", strerror(saved_errno));
    line[n++] = '\n';
    (void)!write(log_fd, line, n);
    errno = saved_errno;
}

void log_msg(enum log_level level, bool with_errno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, with_errno, fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(LOG_LEVEL_ERROR, false, fmt, ap);
    va_end(ap);
    exit(1);
}
