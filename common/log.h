/* SPDX-License-Identifier: Apache-2.0 */
/* Leveled logging for daemons and tools. Every line carries a timestamp,
 * name[pid], the level and the message. The macros test the level before
 * evaluating their arguments, so debug logging in hot paths costs a branch. */
#ifndef TESS_COMMON_LOG_H
#define TESS_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
    LOG_LEVEL_QUIET = 0,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARNING,
    LOG_LEVEL_INFO,
    LOG_LEVEL_VERBOSE,
    LOG_LEVEL_DEBUG,
};

/* Subsystems that DebugFlags= can turn on for log_flag(). */
enum log_flag {
    LOG_FLAG_SCHED = 1u << 0,
    LOG_FLAG_WIRE = 1u << 1,
    LOG_FLAG_AUTH = 1u << 2,
    LOG_FLAG_STORE = 1u << 3,
    LOG_FLAG_LAUNCH = 1u << 4,
};

extern enum log_level log_current_level;
extern uint32_t log_current_flags;

/* Set the program name shown on each line and the level. Logs go to stderr
 * until log_open_file() succeeds. */
void log_init(const char *name, enum log_level level);
/* Append to 'path' instead of stderr. Returns 0, or -1 with errno set. */
int log_open_file(const char *path);
void log_set_level(enum log_level level);
/* Parse "error|warning|info|verbose|debug" (or 0..5). Returns -1 if bad. */
int log_level_parse(const char *s, enum log_level *out);
/* Parse a comma list of flag names ("sched,wire"). Returns -1 if bad. */
int log_flags_parse(const char *s, uint32_t *out);
void log_fini(void);

void log_msg(enum log_level level, bool with_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

#define LOG_AT(lvl, errno_, ...)                                               \
    do {                                                                       \
        if (log_current_level >= (lvl))                                        \
            log_msg((lvl), (errno_), __VA_ARGS__);                             \
    } while (0)

#define log_error(...)         LOG_AT(LOG_LEVEL_ERROR, false, __VA_ARGS__)
#define log_error_errno(...)   LOG_AT(LOG_LEVEL_ERROR, true, __VA_ARGS__)
#define log_warning(...)       LOG_AT(LOG_LEVEL_WARNING, false, __VA_ARGS__)
#define log_warning_errno(...) LOG_AT(LOG_LEVEL_WARNING, true, __VA_ARGS__)
#define log_info(...)          LOG_AT(LOG_LEVEL_INFO, false, __VA_ARGS__)
#define log_verbose(...)       LOG_AT(LOG_LEVEL_VERBOSE, false, __VA_ARGS__)
#define log_debug(...)         LOG_AT(LOG_LEVEL_DEBUG, false, __VA_ARGS__)
#define log_flag(f, ...)                                                       \
    do {                                                                       \
        if (log_current_flags & LOG_FLAG_##f)                                  \
            log_msg(LOG_LEVEL_INFO, false, __VA_ARGS__);                       \
    } while (0)

#endif
