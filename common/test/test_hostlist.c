/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/hostlist.c.
 *
 * Name lists are written as one space-separated string in the tables, so
 * each row reads as "expression -> names"; the property tests build their
 * lists from a fixed-seed generator, so every run checks the same lists. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/hostlist.h"
#include "common/xalloc.h"

/* Split a space-separated list into a NULL-terminated array. */
static char **split(const char *s, size_t *n)
{
    char **names = xcalloc(strlen(s) / 2 + 2, sizeof(*names));
    size_t k = 0;

    while (*s) {
        size_t len = strcspn(s, " ");
        names[k++] = xstrndup(s, len);
        s += len;
        s += strspn(s, " ");
    }
    names[k] = NULL;
    *n = k;
    return names;
}

/* Join names with single spaces. */
static char *join(char *const *names, size_t n)
{
    size_t len = 1;
    char *out;
    char *p;

    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    out = xmalloc(len);
    p = out;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (i > 0)
            *p++ = ' ';
        memcpy(p, names[i], l + 1);
        p += l;
    }
    return out;
}

static bool same_names(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static const struct {
    const char *expr;
    const char *names;
} expand_cases[] = {
    { "rig[01-16]", "rig01 rig02 rig03 rig04 rig05 rig06 rig07 rig08 rig09 "
                    "rig10 rig11 rig12 rig13 rig14 rig15 rig16" },
    { "dgx[1,3,5-7],rig01", "dgx1 dgx3 dgx5 dgx6 dgx7 rig01" },
    { "a,b,c", "a b c" },
    { "n1", "n1" },
    { "login-1.example.org", "login-1.example.org" },
    { "r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2" },
    { "a[1-2]b[3,5]c", "a1b3c a1b5c a2b3c a2b5c" },
    { "n[1-3]-ib", "n1-ib n2-ib n3-ib" },
    { "n[8-11]", "n8 n9 n10 n11" },
    { "n[098-101]", "n098 n099 n100 n101" },
    { "n[01-3]", "n01 n02 n03" },
    { "n[1,05]", "n1 n05" },
    { "n[0]", "n0" },
    { "[1-3]", "1 2 3" },
    { "n[3,1-2]", "n3 n1 n2" },
    { "n[1,1],n1", "n1 n1 n1" },
    { "n1[0-1]", "n10 n11" },
    { "x[1-2],y,z[7]", "x1 x2 y z7" },
    { "n[999999999999999998-999999999999999999]",
      "n999999999999999998 n999999999999999999" },
};

static void test_expand(void **state)
{
    for (size_t i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]);
         i++) {
        struct tess_error err = { .text = "" };
        size_t n = 0;
        char **names = hostlist_expand(expand_cases[i].expr, &n, &err);
        char *got;

        if (!names)
            fail_msg("'%s': unexpected error: %s", expand_cases[i].expr,
                     err.text);
        got = join(names, n);
        if (strcmp(got, expand_cases[i].names) != 0)
            fail_msg("'%s': got '%s', want '%s'", expand_cases[i].expr, got,
                     expand_cases[i].names);
        assert_null(names[n]);
        free(got);
        hostlist_free(names);
    }
}

static const struct {
    const char *expr;
    int errnum;
    const char *text;
} expand_errors[] = {
    { "n[5-3]", EINVAL,
      "bad hostlist 'n[5-3]': range 5-3 is reversed (column 3)" },
    { "n[1-3", EINVAL, "bad hostlist 'n[1-3': unbalanced '[' (column 2)" },
    { "n[1-3],m[", EINVAL,
      "bad hostlist 'n[1-3],m[': unbalanced '[' (column 9)" },
    { "n1-3]", EINVAL, "bad hostlist 'n1-3]': unbalanced ']' (column 5)" },
    { "n[1-2]]", EINVAL, "bad hostlist 'n[1-2]]': unbalanced ']' (column 7)" },
    { "n[[1]]", EINVAL, "bad hostlist 'n[[1]]': nested '[' (column 3)" },
    { "n[1[2]]", EINVAL, "bad hostlist 'n[1[2]]': nested '[' (column 4)" },
    { "n[]", EINVAL, "bad hostlist 'n[]': empty range (column 3)" },
    { "n[1,,3]", EINVAL, "bad hostlist 'n[1,,3]': empty range (column 5)" },
    { "n[1,]", EINVAL, "bad hostlist 'n[1,]': empty range (column 5)" },
    { "n[,1]", EINVAL, "bad hostlist 'n[,1]': empty range (column 3)" },
    { "n[1-]", EINVAL,
      "bad hostlist 'n[1-]': bad range '1-': expected N or N-M (column 3)" },
    { "n[-1]", EINVAL,
      "bad hostlist 'n[-1]': bad range '-1': expected N or N-M (column 3)" },
    { "n[a-b]", EINVAL,
      "bad hostlist 'n[a-b]': bad range 'a-b': expected N or N-M (column 3)" },
    { "n[1-2-3]", EINVAL,
      "bad hostlist 'n[1-2-3]': bad range '1-2-3': expected N or N-M (column 3)" },
    { "n[1x]", EINVAL,
      "bad hostlist 'n[1x]': bad range '1x': expected N or N-M (column 3)" },
    { "n[1 ,2]", EINVAL,
      "bad hostlist 'n[1 ,2]': invalid character 0x20 (column 4)" },
    { "a b", EINVAL, "bad hostlist 'a b': invalid character 0x20 (column 2)" },
    { "a\tb", EINVAL,
      "bad hostlist 'a\\x09b': invalid character 0x09 (column 2)" },
    { "a\xc3\xa9", EINVAL,
      "bad hostlist 'a\xc3\xa9': invalid character 0xc3 (column 2)" },
    { "", EINVAL, "bad hostlist '': no host names" },
    { ",", EINVAL, "bad hostlist ',': empty host name (column 1)" },
    { ",a", EINVAL, "bad hostlist ',a': empty host name (column 1)" },
    { "a,", EINVAL, "bad hostlist 'a,': empty host name (column 3)" },
    { "a,,b", EINVAL, "bad hostlist 'a,,b': empty host name (column 3)" },
    { "n[1234567890123456789]", EINVAL,
      "bad hostlist 'n[1234567890123456789]': number in range "
      "'1234567890123456789' is too large (column 3)" },
    { "n[1-1234567890123456789]", EINVAL, NULL },
    { "n[0-1000000]", E2BIG,
      "bad hostlist 'n[0-1000000]': more than 1000000 hosts" },
    { "n[1-500000,1-500001]", E2BIG, NULL },
    { "n[1-1000]x[1-1001]", E2BIG, NULL },
    { "a[1-999999],b,c", E2BIG, NULL },
    { "n[0-999999999999999999]", E2BIG, NULL },
};

static void test_expand_errors(void **state)
{
    for (size_t i = 0; i < sizeof(expand_errors) / sizeof(expand_errors[0]);
         i++) {
        struct tess_error err = { .text = "" };
        size_t n = 12345;
        char **names;

        errno = 0;
        names = hostlist_expand(expand_errors[i].expr, &n, &err);
        if (names)
            fail_msg("'%s': expanded, want an error", expand_errors[i].expr);
        if (errno != expand_errors[i].errnum)
            fail_msg("'%s': errno %d, want %d", expand_errors[i].expr, errno,
                     expand_errors[i].errnum);
        if (expand_errors[i].text &&
            strcmp(err.text, expand_errors[i].text) != 0)
            fail_msg("'%s': got \"%s\", want \"%s\"", expand_errors[i].expr,
                     err.text, expand_errors[i].text);
        if (!expand_errors[i].text &&
            strncmp(err.text, "bad hostlist '", 14) != 0)
            fail_msg("'%s': got \"%s\"", expand_errors[i].expr, err.text);
        assert_int_equal(n, 12345); /* a failing call writes no output */

        /* err may be NULL */
        errno = 0;
        assert_null(hostlist_expand(expand_errors[i].expr, &n, NULL));
        assert_int_equal(errno, expand_errors[i].errnum);
    }
}

/* Name length: 255 characters is fine, 256 is not, however produced. */
static void test_expand_name_length(void **state)
{
    char expr[300];
    size_t n = 0;
    char **names;
    struct tess_error err = { .text = "" };

    memset(expr, 'a', 255);
    expr[255] = '\0';
    names = hostlist_expand(expr, &n, &err);
    assert_non_null(names);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(names[0]), 255);
    hostlist_free(names);

    expr[255] = 'a';
    expr[256] = '\0';
    assert_null(hostlist_expand(expr, &n, &err));
    assert_int_equal(errno, EINVAL);
    assert_non_null(strstr(err.text, "host name longer than 255 characters"));

    /* 251 letters and a 5-digit number exceed it only at 10000 */
    memset(expr, 'a', 251);
    memcpy(expr + 251, "[9998-10000]", sizeof("[9998-10000]"));
    assert_null(hostlist_expand(expr, &n, &err));
    assert_int_equal(errno, EINVAL);
    memcpy(expr + 251, "[9998-9999]", sizeof("[9998-9999]"));
    names = hostlist_expand(expr, &n, &err);
    assert_non_null(names);
    assert_int_equal(n, 2);
    hostlist_free(names);
}

/* HOSTLIST_MAX_HOSTS itself is allowed. */
static void test_expand_max_hosts(void **state)
{
    size_t n = 0;
    char **names = hostlist_expand("n[1-1000][1-1000]", &n, NULL);

    assert_non_null(names);
    assert_int_equal(n, HOSTLIST_MAX_HOSTS);
    assert_string_equal(names[0], "n11");
    assert_string_equal(names[n - 1], "n10001000");
    hostlist_free(names);
}

static const struct {
    const char *names;
    const char *expr;
} compress_cases[] = {
    { "rig01 rig02 rig03 rig05", "rig[01-03,05]" },
    { "dgx1 dgx3 dgx5 dgx6 dgx7 rig01", "dgx[1,3,5-7],rig01" },
    { "login", "login" },
    { "n1", "n1" },
    { "n01", "n01" },
    { "a b c", "a,b,c" },
    { "n8 n9 n10 n11", "n[8-11]" },
    { "n098 n099 n100 n101", "n[098-101]" },
    { "n09 n010", "n[09,010]" },
    { "n1 n01 n2", "n[1,01,2]" },
    { "n1-ib n2-ib n3-ib", "n[1-3]-ib" },
    { "n1-ib n2-eth", "n1-ib,n2-eth" },
    { "n3 n1 n2", "n[3,1-2]" },
    { "n1 m1 n2", "n1,m1,n2" },
    { "n1 n1", "n[1,1]" },
    { "r1n1 r1n2 r2n1 r2n2", "r1n[1-2],r2n[1-2]" },
    { "1 2 3 5", "[1-3,5]" },
    { "a n1 n2 b", "a,n[1-2],b" },
    { "n1234567890123456789 n1234567890123456790",
      "n1234567890123456789,n1234567890123456790" },
    { "", "" },
};

static void test_compress(void **state)
{
    for (size_t i = 0; i < sizeof(compress_cases) / sizeof(compress_cases[0]);
         i++) {
        size_t n = 0;
        char **names = split(compress_cases[i].names, &n);
        char *got = hostlist_compress(names, n);

        if (strcmp(got, compress_cases[i].expr) != 0)
            fail_msg("'%s': got '%s', want '%s'", compress_cases[i].names, got,
                     compress_cases[i].expr);
        free(got);
        hostlist_free(names);
    }
}

/* compress(expand(x)) == x for x in canonical form. */
static const char *const canonical[] = {
    "rig[01-16]",
    "dgx[1,3,5-7],rig01",
    "a,b,c",
    "n[1-3]-ib",
    "n1",
    "login",
    "n[8-11]",
    "n[098-100]",
    "n[01-03,05],gpu[1-2]",
    "n[3,1-2]",
    "[1-3]",
    "n[00001-10000]",
    "n[1-9999]",
};

static void test_round_trip_canonical(void **state)
{
    for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
        struct tess_error err = { .text = "" };
        size_t n = 0;
        char **names = hostlist_expand(canonical[i], &n, &err);
        char *got;

        if (!names)
            fail_msg("'%s': %s", canonical[i], err.text);
        got = hostlist_compress(names, n);
        if (strcmp(got, canonical[i]) != 0)
            fail_msg("'%s': compressed to '%s'", canonical[i], got);
        free(got);
        hostlist_free(names);
    }
}

/* A 10,000-node list: right count, right ends, and back again. */
static void test_round_trip_10000(void **state)
{
    size_t n = 0;
    size_t n2 = 0;
    char **names = hostlist_expand("n[00001-10000]", &n, NULL);
    char **names2;
    char *expr;

    assert_non_null(names);
    assert_int_equal(n, 10000);
    assert_string_equal(names[0], "n00001");
    assert_string_equal(names[9999], "n10000");
    expr = hostlist_compress(names, n);
    assert_string_equal(expr, "n[00001-10000]");
    names2 = hostlist_expand(expr, &n2, NULL);
    assert_non_null(names2);
    assert_true(same_names(names, n, names2, n2));
    free(expr);
    hostlist_free(names2);
    hostlist_free(names);
}

/* A fixed-seed generator, so the property tests are repeatable. */
static uint32_t lcg(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a;
    int y = *(const int *)b;

    return (x > y) - (x < y);
}

/* Build a random list of up to 60 names from a few prefixes and
 * suffixes, with random zero padding; sorted by prefix then number when
 * 'sorted'. */
static char **random_names(uint32_t *seed, bool sorted, size_t *count)
{
    static const char *const prefix[] = { "a", "b-", "rack1n", "" };
    static const char *const suffix[] = { "", "-ib" };
    size_t n = lcg(seed) % 60;
    char **names = xcalloc(n + 1, sizeof(*names));
    size_t k = 0;

    while (k < n) {
        size_t run = 1 + lcg(seed) % 20;
        const char *pre = prefix[lcg(seed) % 4];
        const char *suf = suffix[lcg(seed) % 2];
        int nums[20];

        if (run > n - k)
            run = n - k;
        for (size_t i = 0; i < run; i++)
            nums[i] = (int)(lcg(seed) % 130);
        if (sorted)
            qsort(nums, run, sizeof(nums[0]), cmp_int);
        for (size_t i = 0; i < run; i++) {
            int width = (int)(lcg(seed) % 4);
            /* a bare number with no prefix and no suffix is fine too */
            names[k++] = xasprintf("%s%0*d%s", pre, width, nums[i], suf);
        }
    }
    *count = n;
    return names;
}

/* expand(compress(names)) == names: for sorted lists, as promised, and
 * for unsorted ones with duplicates too, since only neighbours merge. */
static void test_round_trip_random(void **state)
{
    uint32_t seed = 42;

    for (int round = 0; round < 400; round++) {
        bool sorted = round % 2 == 0;
        size_t n = 0;
        size_t n2 = 0;
        char **names = random_names(&seed, sorted, &n);
        char *expr = hostlist_compress(names, n);
        char **names2 = NULL;

        if (n > 0) {
            struct tess_error err = { .text = "" };

            names2 = hostlist_expand(expr, &n2, &err);
            if (!names2)
                fail_msg("'%s': %s", expr, err.text);
        } else {
            assert_string_equal(expr, "");
        }
        if (!same_names(names, n, names2, n2)) {
            char *want = join(names, n);
            char *got = join(names2, n2);
            fail_msg("'%s' -> '%s' -> '%s'", want, expr, got);
        }
        free(expr);
        hostlist_free(names2);
        hostlist_free(names);
    }
}

static void test_hostlist_free_null(void **state)
{
    errno = EPROTO;
    hostlist_free(NULL);
    assert_int_equal(errno, EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_expand_errors),
        cmocka_unit_test(test_expand_name_length),
        cmocka_unit_test(test_expand_max_hosts),
        cmocka_unit_test(test_compress),
        cmocka_unit_test(test_round_trip_canonical),
        cmocka_unit_test(test_round_trip_10000),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_hostlist_free_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
