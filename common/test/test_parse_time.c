/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/parse_time.c.
 *
 * Begin times depend on the local time zone, so the group setup pins TZ
 * to UTC (and one test to a fixed POSIX rule that needs no zone files)
 * and teardown restores the caller's TZ. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/parse_time.h"
#include "common/xalloc.h"

#define INF JOB_TIME_INFINITE
#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char *saved_tz;

static int setup_tz(void **state)
{
    const char *tz = getenv("TZ");

    saved_tz = tz ? xstrdup(tz) : NULL;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static int teardown_tz(void **state)
{
    if (saved_tz)
        setenv("TZ", saved_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    XFREE(saved_tz);
    return 0;
}

static const struct {
    const char *s;
    uint32_t minutes;
} time_limit_cases[] = {
    { "0", INF },
    { "1", 1 },
    { "90", 90 },
    { "0090", 90 },
    { "1:30", 2 },
    { "1:00", 1 },
    { "0:01", 1 },
    { "0:59", 1 },
    { "0:00", INF },
    { "00:00:00", INF },
    { "120:00", 120 },
    { "1:00:00", 60 },
    { "01:30:00", 90 },
    { "1:00:01", 61 },
    { "100:00:00", 6000 },
    { "1-0", 1440 },
    { "1-00", 1440 },
    { "2-12", 3600 },
    { "1-02:03", 1563 },
    { "1-02:03:04", 1564 },
    { "7-00:00:00", 10080 },
    { "0-0:0:1", 1 },
    { "0-00:00:00", INF },
    { "UNLIMITED", INF },
    { "unlimited", INF },
    { "Infinite", INF },
    { "4294967293", 4294967293u },
    { "4294967292:01", 4294967293u },
    { "2982616-04:13", 4294967293u },
};

static void test_time_limit(void **state)
{
    for (size_t i = 0; i < COUNT(time_limit_cases); i++) {
        struct tess_error err = { .text = "" };
        uint32_t min = 0;

        if (parse_time_limit(time_limit_cases[i].s, &min, &err) < 0)
            fail_msg("'%s': unexpected error: %s", time_limit_cases[i].s,
                     err.text);
        if (min != time_limit_cases[i].minutes)
            fail_msg("'%s': got %u, want %u", time_limit_cases[i].s,
                     (unsigned)min, (unsigned)time_limit_cases[i].minutes);
    }
}

static const struct {
    const char *s;
    int errnum;
    const char *text; /* NULL: just check the prefix */
} time_limit_errors[] = {
    { "1:xx", EINVAL,
      "bad time limit '1:xx': expected [D-]HH:MM:SS, MM:SS or MM" },
    { "", EINVAL, "bad time limit '': expected [D-]HH:MM:SS, MM:SS or MM" },
    { "-5", EINVAL, "bad time limit '-5': expected [D-]HH:MM:SS, MM:SS or MM" },
    { "abc", EINVAL, NULL },
    { "+5", EINVAL, NULL },
    { " 5", EINVAL, NULL },
    { "5 ", EINVAL, NULL },
    { "1.5", EINVAL, NULL },
    { "1-", EINVAL, NULL },
    { "-1-0", EINVAL, NULL },
    { "1-2-3", EINVAL, NULL },
    { ":30", EINVAL, NULL },
    { "1:", EINVAL, NULL },
    { "1::2", EINVAL, NULL },
    { "1:2:3:4", EINVAL, NULL },
    { "1-2:3:4:5", EINVAL, NULL },
    { "UNLIMITEDX", EINVAL, NULL },
    { "unlim", EINVAL, NULL },
    { "1:60", EINVAL, "bad time limit '1:60': seconds must be less than 60" },
    { "1:60:00", EINVAL,
      "bad time limit '1:60:00': minutes must be less than 60" },
    { "1:00:60", EINVAL,
      "bad time limit '1:00:60': seconds must be less than 60" },
    { "1-24", EINVAL,
      "bad time limit '1-24': hours must be less than 24 after a day count" },
    { "1-00:60", EINVAL, NULL },
    { "1-00:00:60", EINVAL, NULL },
    { "4294967294", ERANGE,
      "bad time limit '4294967294': more than 4294967293 minutes" },
    { "4294967293:01", ERANGE, NULL },
    { "2982616-04:14", ERANGE, NULL },
    { "99999999999999999999", ERANGE, NULL },
    { "99999999999999999999-00", ERANGE, NULL },
    { "1:\x01", EINVAL,
      "bad time limit '1:\\x01': expected [D-]HH:MM:SS, MM:SS or MM" },
};

static void test_time_limit_errors(void **state)
{
    for (size_t i = 0; i < COUNT(time_limit_errors); i++) {
        struct tess_error err = { .text = "" };
        uint32_t min = 12345;

        errno = 0;
        if (parse_time_limit(time_limit_errors[i].s, &min, &err) == 0)
            fail_msg("'%s': parsed as %u, want an error",
                     time_limit_errors[i].s, (unsigned)min);
        if (errno != time_limit_errors[i].errnum)
            fail_msg("'%s': errno %d, want %d", time_limit_errors[i].s, errno,
                     time_limit_errors[i].errnum);
        if (time_limit_errors[i].text &&
            strcmp(err.text, time_limit_errors[i].text) != 0)
            fail_msg("'%s': got \"%s\", want \"%s\"", time_limit_errors[i].s,
                     err.text, time_limit_errors[i].text);
        if (strncmp(err.text, "bad time limit '", 16) != 0)
            fail_msg("'%s': got \"%s\"", time_limit_errors[i].s, err.text);
        assert_int_equal(min, 12345);
        assert_int_equal(parse_time_limit(time_limit_errors[i].s, &min, NULL),
                         -1);
    }
}

static const struct {
    uint32_t minutes;
    const char *text;
} format_limit_cases[] = {
    { 0, "00:00:00" },
    { 1, "00:01:00" },
    { 90, "01:30:00" },
    { 1439, "23:59:00" },
    { 1440, "1-00:00:00" },
    { 1563, "1-02:03:00" },
    { 10080, "7-00:00:00" },
    { 4294967293u, "2982616-04:13:00" },
    { JOB_TIME_INFINITE, "UNLIMITED" },
    { JOB_TIME_UNSET, "UNLIMITED" },
};

static void test_format_time_limit(void **state)
{
    char buf[32];

    for (size_t i = 0; i < COUNT(format_limit_cases); i++) {
        const char *got =
            format_time_limit(format_limit_cases[i].minutes, buf, sizeof(buf));

        assert_ptr_equal(got, buf);
        if (strcmp(got, format_limit_cases[i].text) != 0)
            fail_msg("%u: got '%s', want '%s'",
                     (unsigned)format_limit_cases[i].minutes, got,
                     format_limit_cases[i].text);
    }
    /* truncation still terminates */
    assert_string_equal(format_time_limit(90, buf, 4), "01:");
    buf[0] = 'x';
    format_time_limit(90, buf, 0);
    assert_int_equal(buf[0], 'x');
}

/* parse(format(m)) == m over the whole range. */
static void test_time_limit_round_trip(void **state)
{
    static const uint32_t samples[] = { 1,      59,      60,         61,
                                        1439,   1440,    1441,       10079,
                                        525600, 9999999, 4294967292, 4294967293,
                                        INF };
    char buf[32];

    for (size_t i = 0; i < COUNT(samples); i++) {
        uint32_t m = 0;

        format_time_limit(samples[i], buf, sizeof(buf));
        assert_int_equal(parse_time_limit(buf, &m, NULL), 0);
        assert_int_equal(m, samples[i]);
    }
}

static const struct {
    int64_t seconds;
    const char *text;
} duration_cases[] = {
    { 0, "0:00" },
    { 5, "0:05" },
    { 306, "5:06" },
    { 754, "12:34" },
    { 3599, "59:59" },
    { 3600, "1:00:00" },
    { 7384, "2:03:04" },
    { 86399, "23:59:59" },
    { 86400, "1-00:00:00" },
    { 93784, "1-02:03:04" },
    { INT64_MAX, "106751991167300-15:30:07" },
    { -1, "INVALID" },
    { INT64_MIN, "INVALID" },
};

static void test_format_duration(void **state)
{
    char buf[32];

    for (size_t i = 0; i < COUNT(duration_cases); i++) {
        const char *got =
            format_duration(duration_cases[i].seconds, buf, sizeof(buf));

        assert_ptr_equal(got, buf);
        if (strcmp(got, duration_cases[i].text) != 0)
            fail_msg("%lld: got '%s', want '%s'",
                     (long long)duration_cases[i].seconds, got,
                     duration_cases[i].text);
    }
    assert_string_equal(format_duration(754, buf, 3), "12");
}

static const struct {
    const char *s;
    uint64_t mib;
} size_cases[] = {
    { "0", 0 },
    { "1", 1 },
    { "512", 512 },
    { "512M", 512 },
    { "512m", 512 },
    { "512MB", 512 },
    { "512MiB", 512 },
    { "16G", 16384 },
    { "16g", 16384 },
    { "16GB", 16384 },
    { "16gb", 16384 },
    { "16GiB", 16384 },
    { "16gib", 16384 },
    { "1T", 1048576 },
    { "1t", 1048576 },
    { "1024K", 1 },
    { "1K", 1 },
    { "1k", 1 },
    { "1025K", 2 },
    { "2048KB", 2 },
    { "0K", 0 },
    { "0G", 0 },
    { "9223372036854775807", 9223372036854775807ULL },
    { "9223372036854775807K", 9007199254740992ULL },
    { "8796093022207T", 9223372036853727232ULL },
};

static void test_size(void **state)
{
    for (size_t i = 0; i < COUNT(size_cases); i++) {
        struct tess_error err = { .text = "" };
        uint64_t mib = 12345;

        if (parse_size_mib(size_cases[i].s, &mib, &err) < 0)
            fail_msg("'%s': unexpected error: %s", size_cases[i].s, err.text);
        if (mib != size_cases[i].mib)
            fail_msg("'%s': got %llu, want %llu", size_cases[i].s,
                     (unsigned long long)mib,
                     (unsigned long long)size_cases[i].mib);
    }
}

static const struct {
    const char *s;
    int errnum;
    const char *text;
} size_errors[] = {
    { "12X", EINVAL,
      "bad size '12X': expected a number with optional K, M, G or T suffix" },
    { "", EINVAL,
      "bad size '': expected a number with optional K, M, G or T suffix" },
    { "-1", EINVAL, NULL },
    { "+1", EINVAL, NULL },
    { "1.5G", EINVAL, NULL },
    { "G", EINVAL, NULL },
    { "16 G", EINVAL, NULL },
    { " 16", EINVAL, NULL },
    { "16G ", EINVAL, NULL },
    { "16GBB", EINVAL, NULL },
    { "16GiBB", EINVAL, NULL },
    { "16B", EINVAL, NULL },
    { "16iB", EINVAL, NULL },
    { "16Gi", EINVAL, NULL },
    { "16KM", EINVAL, NULL },
    { "0x10", EINVAL, NULL },
    { "9223372036854775808", ERANGE,
      "bad size '9223372036854775808': too large" },
    { "18446744073709551616", ERANGE, NULL },
    { "99999999999999999999999K", ERANGE, NULL },
    { "8796093022208T", ERANGE, NULL },
    { "9007199254740992G", ERANGE, NULL },
};

static void test_size_errors(void **state)
{
    for (size_t i = 0; i < COUNT(size_errors); i++) {
        struct tess_error err = { .text = "" };
        uint64_t mib = 12345;

        errno = 0;
        if (parse_size_mib(size_errors[i].s, &mib, &err) == 0)
            fail_msg("'%s': parsed as %llu, want an error", size_errors[i].s,
                     (unsigned long long)mib);
        if (errno != size_errors[i].errnum)
            fail_msg("'%s': errno %d, want %d", size_errors[i].s, errno,
                     size_errors[i].errnum);
        if (size_errors[i].text && strcmp(err.text, size_errors[i].text) != 0)
            fail_msg("'%s': got \"%s\", want \"%s\"", size_errors[i].s,
                     err.text, size_errors[i].text);
        if (strncmp(err.text, "bad size '", 10) != 0)
            fail_msg("'%s': got \"%s\"", size_errors[i].s, err.text);
        assert_int_equal(mib, 12345);
    }
}

static const struct {
    const char *s;
    int64_t epoch; /* with TZ=UTC and now = NOW */
} begin_cases[] = {
    { "now", NOW },
    { "NOW", NOW },
    { "now+0", NOW },
    { "now+60", NOW + 60 },
    { "now+10s", NOW + 10 },
    { "now+10seconds", NOW + 10 },
    { "now+5min", NOW + 300 },
    { "now+5minutes", NOW + 300 },
    { "now+1hour", NOW + 3600 },
    { "now+1HOURS", NOW + 3600 },
    { "now+2h", NOW + 7200 },
    { "now+2days", NOW + 172800 },
    { "now+1d", NOW + 86400 },
    { "now+1week", NOW + 604800 },
    { "2024-01-02", 1704153600 },
    { "2024-1-2", 1704153600 },
    { "2024-01-02T03:04", 1704164640 },
    { "2024-01-02T03:04:05", 1704164645 },
    { "2024-01-02T3:4:5", 1704164645 },
    { "2024-02-29", 1709164800 },
    { "2000-02-29", 951782400 },
    { "23:00", 1700002800 },    /* later today */
    { "22:13:20", NOW },        /* now is not past */
    { "22:13:19", 1700086399 }, /* just past: tomorrow */
    { "22:00", 1700085600 },    /* tomorrow */
    { "9:30", 1700040600 },     /* tomorrow */
    { "00:00", 1700006400 },    /* midnight tonight */
    { "23:59:59", 1700006399 },
};

static void test_begin_time(void **state)
{
    for (size_t i = 0; i < COUNT(begin_cases); i++) {
        struct tess_error err = { .text = "" };
        int64_t epoch = 0;

        if (parse_begin_time(begin_cases[i].s, NOW, &epoch, &err) < 0)
            fail_msg("'%s': unexpected error: %s", begin_cases[i].s, err.text);
        if (epoch != begin_cases[i].epoch)
            fail_msg("'%s': got %lld, want %lld", begin_cases[i].s,
                     (long long)epoch, (long long)begin_cases[i].epoch);
    }
}

static const struct {
    const char *s;
    int errnum;
} begin_errors[] = {
    { "", EINVAL },
    { "later", EINVAL },
    { "no", EINVAL },
    { "nowx", EINVAL },
    { "now+", EINVAL },
    { "now+x", EINVAL },
    { "now+5 hours", EINVAL },
    { "now+5years", EINVAL },
    { "now-5", EINVAL },
    { "now++5", EINVAL },
    { "2023-02-29", EINVAL },
    { "2024-13-01", EINVAL },
    { "2024-00-10", EINVAL },
    { "2024-01-00", EINVAL },
    { "2024-01-32", EINVAL },
    { "2024-04-31", EINVAL },
    { "1969-12-31", EINVAL },
    { "24-01-02", EINVAL },
    { "20240-01-02", EINVAL },
    { "2024-001-02", EINVAL },
    { "2024-01-02T", EINVAL },
    { "2024-01-02T10", EINVAL },
    { "2024-01-02T24:00", EINVAL },
    { "2024-01-02T10:60", EINVAL },
    { "2024-01-02T10:00:60", EINVAL },
    { "2024-01-02 10:00", EINVAL },
    { "2024-01-02T10:00Z", EINVAL },
    { "24:00", EINVAL },
    { "12:60", EINVAL },
    { "12", EINVAL },
    { "123:00", EINVAL },
    { "12:00:00:00", EINVAL },
    { "now+99999999999999999999", ERANGE },
    { "now+1000000000001", ERANGE },
};

static void test_begin_time_errors(void **state)
{
    for (size_t i = 0; i < COUNT(begin_errors); i++) {
        struct tess_error err = { .text = "" };
        int64_t epoch = 12345;

        errno = 0;
        if (parse_begin_time(begin_errors[i].s, NOW, &epoch, &err) == 0)
            fail_msg("'%s': parsed as %lld, want an error", begin_errors[i].s,
                     (long long)epoch);
        if (errno != begin_errors[i].errnum)
            fail_msg("'%s': errno %d, want %d", begin_errors[i].s, errno,
                     begin_errors[i].errnum);
        if (strncmp(err.text, "bad begin time '", 16) != 0)
            fail_msg("'%s': got \"%s\"", begin_errors[i].s, err.text);
        assert_int_equal(epoch, 12345);
    }
}

static void test_begin_time_messages(void **state)
{
    struct tess_error err = { .text = "" };
    int64_t epoch = 0;

    assert_int_equal(parse_begin_time("soon", NOW, &epoch, &err), -1);
    assert_string_equal(err.text, "bad begin time 'soon': expected "
                                  "now[+N[seconds|minutes|hours|days]], "
                                  "YYYY-MM-DD[THH:MM[:SS]] or HH:MM[:SS]");
    assert_int_equal(parse_begin_time("now+5", INT64_MAX - 4, &epoch, &err),
                     -1);
    assert_int_equal(errno, ERANGE);
    assert_string_equal(err.text,
                        "bad begin time 'now+5': too far in the future");
}

/* Dates and clock times are local: two hours east of UTC, midnight comes
 * two hours earlier. A POSIX TZ rule needs no zone files. */
static void test_begin_time_local(void **state)
{
    int64_t epoch = 0;

    setenv("TZ", "TST-2", 1);
    tzset();
    assert_int_equal(parse_begin_time("2024-01-02", NOW, &epoch, NULL), 0);
    assert_int_equal(epoch, 1704153600 - 7200);
    /* NOW is 00:13:20 on 2023-11-15 local; 01:00 is later today */
    assert_int_equal(parse_begin_time("01:00", NOW, &epoch, NULL), 0);
    assert_int_equal(epoch, 1700002800);
    setenv("TZ", "UTC", 1);
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_time_limit_errors),
        cmocka_unit_test(test_format_time_limit),
        cmocka_unit_test(test_time_limit_round_trip),
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_size_errors),
        cmocka_unit_test(test_begin_time),
        cmocka_unit_test(test_begin_time_errors),
        cmocka_unit_test(test_begin_time_messages),
        cmocka_unit_test(test_begin_time_local),
    };

    return cmocka_run_group_tests(tests, setup_tz, teardown_tz);
}
