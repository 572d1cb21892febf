/* SPDX-License-Identifier: Apache-2.0 */
/* Slurm's time-limit, duration, memory-size and begin-time syntaxes.
 *
 * Every parser reads its whole input with one digit scanner that saturates
 * instead of overflowing, checks field ranges, and only then writes its
 * out-parameter. Nothing reads the clock: begin times are relative to the
 * caller's 'now', and absolute dates are local time through mktime(). */
#include "config.h"

#include "common/parse_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/strutil.h"

/* How much of a bad input an error message quotes. */
#define PARSE_QUOTE_MAX    64
/* Time fields above this are out of range anyway, and small enough that
 * day * 86400 or count * 604800 cannot overflow. */
#define PARSE_NUMBER_CAP   1000000000000ULL
/* The largest real limit: the two values above it are sentinels. */
#define TIME_LIMIT_MAX_MIN (JOB_TIME_INFINITE - 1)
/* Sizes stay in int64_t range so they survive a JSON integer. */
#define SIZE_MAX_MIB       ((uint64_t)INT64_MAX)

#define TIME_LIMIT_SYNTAX "expected [D-]HH:MM:SS, MM:SS or MM"
#define SIZE_SYNTAX       "expected a number with optional K, M, G or T suffix"
#define BEGIN_SYNTAX                                                         \
    "expected now[+N[seconds|minutes|hours|days]], YYYY-MM-DD[THH:MM[:SS]] " \
    "or HH:MM[:SS]"

/* Scan decimal digits at s. Returns how many there were; *v gets the
 * value, and *too_big is set if it exceeds 'cap'. */
static size_t scan_number(const char *s, uint64_t cap, uint64_t *v,
                          bool *too_big)
{
    size_t n = 0;

    *v = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        uint64_t digit = (uint64_t)(s[n] - '0');

        if (*v > (cap - digit) / 10)
            *too_big = true;
        else if (!*too_big)
            *v = *v * 10 + digit;
    }
    return n;
}

/* Fill err with "<what> '<s>': <reason>", set errno and return -1. */
static int fail(struct tess_error *err, int errnum, const char *what,
                const char *s, const char *reason)
{
    char *quoted = str_escape(s, PARSE_QUOTE_MAX);

    tess_errprintf(err, "bad %s '%s': %s", what, quoted, reason);
    free(quoted);
    errno = errnum;
    return -1;
}

int parse_time_limit(const char *s, uint32_t *minutes, struct tess_error *err)
{
    const char *what = "time limit";
    const char *p = s;
    uint64_t field[3] = { 0 };
    uint64_t days = 0;
    uint64_t seconds;
    uint64_t min;
    bool has_days = false;
    bool too_big = false;
    size_t nfields = 0;
    size_t n;

    if (!s)
        return fail(err, EINVAL, what, "", TIME_LIMIT_SYNTAX);
    if (strcasecmp(s, "UNLIMITED") == 0 || strcasecmp(s, "INFINITE") == 0) {
        *minutes = JOB_TIME_INFINITE;
        return 0;
    }
    n = scan_number(p, PARSE_NUMBER_CAP, &days, &too_big);
    if (n > 0 && p[n] == '-') {
        has_days = true;
        p += n + 1;
    } else {
        days = 0;
    }
    for (;;) {
        n = scan_number(p, PARSE_NUMBER_CAP, &field[nfields], &too_big);
        if (n == 0)
            return fail(err, EINVAL, what, s, TIME_LIMIT_SYNTAX);
        p += n;
        nfields++;
        if (*p != ':' || nfields == 3)
            break;
        p++;
    }
    if (*p != '\0')
        return fail(err, EINVAL, what, s, TIME_LIMIT_SYNTAX);
    if (too_big)
        return fail(err, ERANGE, what, s, "too large");

    if (has_days) {
        /* D-HH, D-HH:MM, D-HH:MM:SS */
        if (field[0] >= 24)
            return fail(err, EINVAL, what, s,
                        "hours must be less than 24 after a day count");
        if (field[1] >= 60)
            return fail(err, EINVAL, what, s, "minutes must be less than 60");
        if (field[2] >= 60)
            return fail(err, EINVAL, what, s, "seconds must be less than 60");
        seconds = days * 86400 + field[0] * 3600 + field[1] * 60 + field[2];
    } else if (nfields == 1) {
        seconds = field[0] * 60; /* MM */
    } else if (nfields == 2) {
        if (field[1] >= 60) /* MM:SS */
            return fail(err, EINVAL, what, s, "seconds must be less than 60");
        seconds = field[0] * 60 + field[1];
    } else {
        if (field[1] >= 60) /* HH:MM:SS */
            return fail(err, EINVAL, what, s, "minutes must be less than 60");
        if (field[2] >= 60)
            return fail(err, EINVAL, what, s, "seconds must be less than 60");
        seconds = field[0] * 3600 + field[1] * 60 + field[2];
    }
    min = (seconds + 59) / 60;
    if (min > TIME_LIMIT_MAX_MIN) {
        char reason[64];

        snprintf(reason, sizeof(reason), "more than %" PRIu32 " minutes",
                 (uint32_t)TIME_LIMIT_MAX_MIN);
        return fail(err, ERANGE, what, s, reason);
    }
    *minutes = min == 0 ? JOB_TIME_INFINITE : (uint32_t)min;
    return 0;
}

char *format_time_limit(uint32_t minutes, char *buf, unsigned size)
{
    uint32_t days = minutes / 1440;
    uint32_t hours = minutes / 60 % 24;
    uint32_t mins = minutes % 60;

    if (minutes == JOB_TIME_INFINITE || minutes == JOB_TIME_UNSET)
        snprintf(buf, size, "UNLIMITED");
    else if (days > 0)
        snprintf(buf, size, "%" PRIu32 "-%02" PRIu32 ":%02" PRIu32 ":00", days,
                 hours, mins);
    else
        snprintf(buf, size, "%02" PRIu32 ":%02" PRIu32 ":00", hours, mins);
    return buf;
}

char *format_duration(int64_t seconds, char *buf, unsigned size)
{
    int64_t days = seconds / 86400;
    int64_t hours = seconds / 3600 % 24;
    int64_t mins = seconds / 60 % 60;
    int64_t secs = seconds % 60;

    if (seconds < 0)
        snprintf(buf, size, "INVALID");
    else if (days > 0)
        snprintf(buf, size,
                 "%" PRId64 "-%02" PRId64 ":%02" PRId64 ":%02" PRId64, days,
                 hours, mins, secs);
    else if (hours > 0)
        snprintf(buf, size, "%" PRId64 ":%02" PRId64 ":%02" PRId64, hours, mins,
                 secs);
    else
        snprintf(buf, size, "%" PRId64 ":%02" PRId64, mins, secs);
    return buf;
}

int parse_size_mib(const char *s, uint64_t *mib, struct tess_error *err)
{
    const char *what = "size";
    const char *p = s;
    uint64_t v = 0;
    bool too_big = false;
    size_t n;
    int shift = 0; /* MiB = v << shift, or v >> -shift rounded up */

    if (!s)
        return fail(err, EINVAL, what, "", SIZE_SYNTAX);
    n = scan_number(p, SIZE_MAX_MIB, &v, &too_big);
    if (n == 0)
        return fail(err, EINVAL, what, s, SIZE_SYNTAX);
    p += n;
    if (*p != '\0') {
        switch (*p) {
        case 'K':
        case 'k':
            shift = -10;
            break;
        case 'M':
        case 'm':
            shift = 0;
            break;
        case 'G':
        case 'g':
            shift = 10;
            break;
        case 'T':
        case 't':
            shift = 20;
            break;
        default:
            return fail(err, EINVAL, what, s, SIZE_SYNTAX);
        }
        p++;
        if (strcasecmp(p, "B") == 0 || strcasecmp(p, "iB") == 0)
            p += strlen(p);
        if (*p != '\0')
            return fail(err, EINVAL, what, s, SIZE_SYNTAX);
    }
    if (too_big || (shift > 0 && v > SIZE_MAX_MIB >> shift))
        return fail(err, ERANGE, what, s, "too large");
    if (shift < 0)
        v = (v + 1023) >> 10;
    else
        v <<= shift;
    *mib = v;
    return 0;
}

struct begin_unit {
    const char *name;
    int64_t seconds;
};

static const struct begin_unit begin_units[] = {
    { "", 1 },         { "s", 1 },         { "sec", 1 },
    { "secs", 1 },     { "second", 1 },    { "seconds", 1 },
    { "min", 60 },     { "mins", 60 },     { "minute", 60 },
    { "minutes", 60 }, { "h", 3600 },      { "hour", 3600 },
    { "hours", 3600 }, { "d", 86400 },     { "day", 86400 },
    { "days", 86400 }, { "week", 604800 }, { "weeks", 604800 },
};

/* "now" or "now+N[unit]" (p is just past "now"). */
static int parse_begin_relative(const char *s, const char *p, int64_t now,
                                int64_t *epoch, struct tess_error *err)
{
    const char *what = "begin time";
    uint64_t count = 0;
    bool too_big = false;
    size_t n;

    if (*p == '\0') {
        *epoch = now;
        return 0;
    }
    if (*p++ != '+' ||
        (n = scan_number(p, PARSE_NUMBER_CAP, &count, &too_big)) == 0)
        return fail(err, EINVAL, what, s, BEGIN_SYNTAX);
    p += n;
    for (size_t i = 0; i < sizeof(begin_units) / sizeof(begin_units[0]); i++) {
        if (strcasecmp(p, begin_units[i].name) != 0)
            continue;
        /* count <= 10^12 and seconds <= 604800: no overflow here */
        int64_t delta = (int64_t)count * begin_units[i].seconds;

        if (too_big || now > INT64_MAX - delta)
            return fail(err, ERANGE, what, s, "too far in the future");
        *epoch = now + delta;
        return 0;
    }
    return fail(err, EINVAL, what, s, BEGIN_SYNTAX);
}

/* Scan "HH:MM[:SS]" (one or two digits each) at *p into tm. */
static bool scan_clock(const char **p, struct tm *tm)
{
    const char *q = *p;
    uint64_t v[3] = { 0 };
    bool too_big = false;
    size_t nfields = 0;

    for (;;) {
        size_t n = scan_number(q, PARSE_NUMBER_CAP, &v[nfields], &too_big);

        if (n == 0 || n > 2)
            return false;
        q += n;
        nfields++;
        if (*q != ':' || nfields == 3)
            break;
        q++;
    }
    if (nfields < 2 || v[0] > 23 || v[1] > 59 || v[2] > 59)
        return false;
    tm->tm_hour = (int)v[0];
    tm->tm_min = (int)v[1];
    tm->tm_sec = (int)v[2];
    *p = q;
    return true;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Scan "YYYY-MM-DD" (month and day may have one digit) at *p into tm. */
static bool scan_date(const char **p, struct tm *tm)
{
    static const int mdays[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    const char *q = *p;
    uint64_t year = 0;
    uint64_t month = 0;
    uint64_t day = 0;
    bool too_big = false;
    size_t n;

    if (scan_number(q, PARSE_NUMBER_CAP, &year, &too_big) != 4 || q[4] != '-')
        return false;
    q += 5;
    n = scan_number(q, PARSE_NUMBER_CAP, &month, &too_big);
    if (n == 0 || n > 2 || q[n] != '-')
        return false;
    q += n + 1;
    n = scan_number(q, PARSE_NUMBER_CAP, &day, &too_big);
    if (n == 0 || n > 2)
        return false;
    q += n;
    if (year < 1970 || month < 1 || month > 12 || day < 1 ||
        day > (uint64_t)(mdays[month - 1] +
                         (month == 2 && is_leap((int)year) ? 1 : 0)))
        return false;
    tm->tm_year = (int)year - 1900;
    tm->tm_mon = (int)month - 1;
    tm->tm_mday = (int)day;
    *p = q;
    return true;
}

int parse_begin_time(const char *s, int64_t now, int64_t *epoch,
                     struct tess_error *err)
{
    const char *what = "begin time";
    const char *p = s;
    time_t now_t = (time_t)now;
    struct tm tm = { 0 };
    time_t t;

    if (!s)
        return fail(err, EINVAL, what, "", BEGIN_SYNTAX);
    if (strncasecmp(s, "now", 3) == 0)
        return parse_begin_relative(s, s + 3, now, epoch, err);

    if (scan_date(&p, &tm)) {
        /* YYYY-MM-DD[THH:MM[:SS]], local time */
        if (*p == 'T') {
            p++;
            if (!scan_clock(&p, &tm))
                return fail(err, EINVAL, what, s, BEGIN_SYNTAX);
        }
        if (*p != '\0')
            return fail(err, EINVAL, what, s, BEGIN_SYNTAX);
        tm.tm_isdst = -1;
        if ((t = mktime(&tm)) == (time_t)-1)
            return fail(err, EINVAL, what, s, "not a representable time");
        *epoch = (int64_t)t;
        return 0;
    }

    /* HH:MM[:SS]: today, or tomorrow if that time has passed */
    {
        struct tm today;
        struct tm clock = { 0 };

        if (!scan_clock(&p, &clock) || *p != '\0')
            return fail(err, EINVAL, what, s, BEGIN_SYNTAX);
        if ((int64_t)now_t != now || !localtime_r(&now_t, &today))
            return fail(err, EINVAL, what, s, "current time out of range");
        for (int add_days = 0; add_days < 2; add_days++) {
            tm = today;
            tm.tm_mday += add_days;
            tm.tm_hour = clock.tm_hour;
            tm.tm_min = clock.tm_min;
            tm.tm_sec = clock.tm_sec;
            tm.tm_isdst = -1;
            if ((t = mktime(&tm)) == (time_t)-1)
                return fail(err, EINVAL, what, s, "not a representable time");
            if ((int64_t)t >= now)
                break;
        }
        *epoch = (int64_t)t;
        return 0;
    }
}
