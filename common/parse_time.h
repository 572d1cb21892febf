/* SPDX-License-Identifier: Apache-2.0 */
/* Slurm's time-limit, duration, memory-size and begin-time syntaxes. */
#ifndef TESS_COMMON_PARSE_TIME_H
#define TESS_COMMON_PARSE_TIME_H

#include <stdint.h>

struct tess_error;

/* Parse a time limit into minutes, rounding seconds up as Slurm does:
 * "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS",
 * "UNLIMITED"/"INFINITE" (case-insensitive; JOB_TIME_INFINITE from
 * job_desc.h). A total of zero ("0", "0:00") means no limit too, like
 * Slurm. Fields after the leading one must be below 60, and hours below
 * 24 after a day count. Returns 0, or -1 with errno EINVAL (syntax) or
 * ERANGE (over JOB_TIME_INFINITE - 1 minutes) and err saying why (the
 * caller prefixes the option or file:line); *minutes is untouched then. */
int parse_time_limit(const char *s, uint32_t *minutes, struct tess_error *err);

/* Format minutes as Slurm prints them: "D-HH:MM:SS" or "HH:MM:SS" or
 * "UNLIMITED" (for JOB_TIME_INFINITE and, as in Slurm, JOB_TIME_UNSET).
 * Writes at most 'size' bytes into buf, truncating but always
 * NUL-terminating when size > 0; returns buf. 32 bytes always suffice. */
char *format_time_limit(uint32_t minutes, char *buf, unsigned size);

/* Format a duration in seconds as squeue's TIME column does: "M:SS"
 * below an hour ("0:05"), "H:MM:SS" below a day, else "D-HH:MM:SS"
 * ("1-02:03:04"); a negative duration is "INVALID". Same buffer rules
 * as format_time_limit; 32 bytes always suffice. */
char *format_duration(int64_t seconds, char *buf, unsigned size);

/* Parse a memory size into MiB: a bare number is MiB; suffixes K, M, G, T
 * (case-insensitive, powers of 1024; optional trailing 'B' or 'iB'). K
 * rounds up to whole MiB. "0" is allowed (means "all" for --mem). Returns
 * 0, or -1 with errno EINVAL, or ERANGE past INT64_MAX MiB (so the value
 * fits a JSON integer), and err saying why. */
int parse_size_mib(const char *s, uint64_t *mib, struct tess_error *err);

/* Parse an absolute or relative begin time (--begin): "now", "now+N"
 * [seconds|minutes|hours|days|weeks] (case-insensitive; also s, sec, min,
 * h, hour, d, day, week; no unit means seconds), "YYYY-MM-DD[THH:MM[:SS]]"
 * (local time, midnight without a time), "HH:MM[:SS]" (today in local
 * time, or tomorrow if that is before 'now'). 'now' is the reference
 * epoch; the clock is never read. Returns 0, or -1 with errno EINVAL (or
 * ERANGE when now+N overflows) and err. */
int parse_begin_time(const char *s, int64_t now, int64_t *epoch,
                     struct tess_error *err);

#endif
