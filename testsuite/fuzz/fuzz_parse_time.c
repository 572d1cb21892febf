/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for common/parse_time.c.
 *
 * Feeds the input to every parser. Whatever parses as a time limit must
 * survive format_time_limit and parse back to the same minutes, and its
 * duration in seconds must print and parse back too. TZ is pinned to UTC
 * so runs are reproducible. A violated invariant aborts. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/job_desc.h"
#include "common/parse_time.h"
#include "common/xalloc.h"

#define FUZZ_NOW 1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int rc, struct tess_error *err)
{
    if (rc != -1 || (errno != EINVAL && errno != ERANGE) ||
        err->text[0] == '\0')
        abort();
}

static void check_time_limit(const char *s)
{
    struct tess_error err = { .text = "" };
    uint32_t min = 0;
    uint32_t again = 0;
    char buf[32];
    int rc;

    errno = 0;
    rc = parse_time_limit(s, &min, &err);
    if (rc < 0) {
        check_failure(rc, &err);
        return;
    }
    if (min == 0 || min == JOB_TIME_UNSET)
        abort();
    format_time_limit(min, buf, sizeof(buf));
    if (parse_time_limit(buf, &again, &err) < 0 || again != min)
        abort();
    if (min != JOB_TIME_INFINITE) {
        format_duration((int64_t)min * 60, buf, sizeof(buf));
        if (parse_time_limit(buf, &again, &err) < 0 || again != min)
            abort();
    }
}

static void check_size(const char *s)
{
    struct tess_error err = { .text = "" };
    uint64_t mib = 0;
    int rc;

    errno = 0;
    rc = parse_size_mib(s, &mib, &err);
    if (rc < 0)
        check_failure(rc, &err);
    else if (mib > INT64_MAX)
        abort();
}

static void check_begin_time(const char *s)
{
    struct tess_error err = { .text = "" };
    int64_t epoch = 0;
    int rc;

    errno = 0;
    rc = parse_begin_time(s, FUZZ_NOW, &epoch, &err);
    if (rc < 0)
        check_failure(rc, &err);
    else if (epoch < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool tz_set;
    char *s = xmalloc(size + 1);
    char buf[32];
    int64_t seconds = 0;

    if (!tz_set) {
        setenv("TZ", "UTC", 1);
        tzset();
        tz_set = true;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    check_time_limit(s);
    check_size(s);
    check_begin_time(s);

    /* the formatters take any value */
    memcpy(&seconds, data, size < sizeof(seconds) ? size : sizeof(seconds));
    format_duration(seconds, buf, sizeof(buf));
    format_time_limit((uint32_t)seconds, buf, sizeof(buf));
    format_duration(seconds, buf, (unsigned)(size % sizeof(buf)));
    free(s);
    return 0;
}
