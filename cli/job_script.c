/* SPDX-License-Identifier: Apache-2.0 */
/* The batch-script directive reader: implements job_opts_parse_script
 * (the public API in job_opts.h; job_opts.c has the rest). It checks the
 * script text (#!, size, UTF-8, no NUL bytes or DOS line breaks), finds
 * the #SBATCH / #TESS lines before the first command, splits each into
 * words with sh-like quoting ('...', "...", backslash, a trailing comment)
 * and hands the words to job_opts_parse_words. The whole script is one
 * parse of one source over one private copy of the job_desc, so options of
 * one group on two lines conflict, messages start with "PATH:LINE: "
 * ("PATH: " for an oversized script), and a bad line anywhere leaves the
 * caller's job_desc unchanged. */
#include "config.h"

#include "cli/job_opts.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/job_opts_private.h"
#include "common/error.h"
#include "common/job_desc.h"
#include "common/xalloc.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void words_free(char **words, int n)
{
    for (int i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

/* Split a directive's text s[0..len) into words with sh-like quoting. An
 * unquoted '#' that starts a word starts a comment. */
static int split_words(struct opt_parse *ps, const char *s, size_t len,
                       char ***out, int *count)
{
    char *buf = xmalloc(len + 1);
    char **words = NULL;
    int n = 0;
    size_t i = 0;
    int rc = -1;

    for (;;) {
        size_t blen = 0;

        while (i < len && is_blank(s[i]))
            i++;
        if (i >= len || s[i] == '#')
            break;
        while (i < len && !is_blank(s[i])) {
            if (s[i] == '\\') {
                if (i + 1 >= len) {
                    job_opts_fail(ps, "backslash at the end of the line");
                    goto out;
                }
                buf[blen++] = s[i + 1];
                i += 2;
            } else if (s[i] == '\'') {
                const char *q = memchr(s + i + 1, '\'', len - i - 1);
                if (!q) {
                    job_opts_fail(ps, "unterminated single quote");
                    goto out;
                }
                memcpy(buf + blen, s + i + 1, (size_t)(q - (s + i + 1)));
                blen += (size_t)(q - (s + i + 1));
                i = (size_t)(q - s) + 1;
            } else if (s[i] == '"') {
                for (i++; i < len && s[i] != '"'; i++) {
                    /* As in sh: backslash quotes only " \ $ and ` */
                    if (s[i] == '\\' && i + 1 < len &&
                        (s[i + 1] == '"' || s[i + 1] == '\\' ||
                         s[i + 1] == '$' || s[i + 1] == '`'))
                        i++;
                    buf[blen++] = s[i];
                }
                if (i >= len) {
                    job_opts_fail(ps, "unterminated double quote");
                    goto out;
                }
                i++;
            } else {
                buf[blen++] = s[i++];
            }
        }
        words = xreallocarray(words, (size_t)n + 2, sizeof(*words));
        words[n++] = xstrndup(buf, blen);
        words[n] = NULL;
    }
    *out = words;
    *count = n;
    words = NULL;
    rc = 0;
out:
    if (rc < 0)
        words_free(words, n);
    free(buf);
    return rc;
}

/* The length of a "#SBATCH" or "#TESS" prefix that makes s[0..len) a
 * directive (it must be followed by a blank or the end), or 0. */
static size_t directive_prefix(const char *s, size_t len)
{
    static const char *const prefixes[] = { "#SBATCH", "#TESS" };

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t plen = strlen(prefixes[i]);
        if (len >= plen && !memcmp(s, prefixes[i], plen) &&
            (len == plen || is_blank(s[plen])))
            return plen;
    }
    return 0;
}

/* Blank lines and comments keep the directive block open. */
static bool is_blank_or_comment(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#')
            return true;
        if (!is_blank(s[i]) && s[i] != '\r' && s[i] != '\v' && s[i] != '\f')
            return false;
    }
    return true;
}

/* NUL bytes, invalid UTF-8 and DOS line breaks, with their line. */
static int check_script_bytes(struct opt_parse *ps, const char *text,
                              size_t len)
{
    const unsigned char *u = (const unsigned char *)text;

    ps->line = 1;
    for (size_t i = 0; i < len;) {
        size_t n;

        if (u[i] == '\0')
            return job_opts_fail(ps, "script contains a NUL byte");
        if (u[i] == '\r' && i + 1 < len && u[i + 1] == '\n')
            return job_opts_fail(ps, "script has DOS line breaks (\\r\\n); "
                                     "convert it with dos2unix");
        if (!(n = job_opts_utf8_seq_len(u + i, len - i)))
            return job_opts_fail(ps, "script is not valid UTF-8");
        if (u[i] == '\n')
            ps->line++;
        i += n;
    }
    return 0;
}

static int parse_directive(struct opt_parse *ps, const char *s, size_t len)
{
    char **words = NULL;
    int n = 0;
    int stop;
    int rc;

    if (split_words(ps, s, len, &words, &n) < 0)
        return -1;
    rc = job_opts_parse_words(ps, n, words, 0, &stop);
    words_free(words, n);
    return rc;
}

int job_opts_parse_script(struct job_desc *jd, const char *path,
                          const char *text, size_t len, struct tess_error *err)
{
    struct opt_parse ps = {
        .path = path, .line = 1, .now = (int64_t)time(NULL), .err = err
    };
    size_t pos = 0;

    if (len > JOB_SCRIPT_MAX) {
        errno = EINVAL;
        return tess_errprintf(err, "%s: script is %zu bytes, more than %u",
                              path, len, JOB_SCRIPT_MAX);
    }
    if (len < 2 || text[0] != '#' || text[1] != '!')
        return job_opts_fail(&ps, "script does not start with #!");
    if (check_script_bytes(&ps, text, len) < 0)
        return -1;

    ps.jd = job_desc_copy(jd);
    for (ps.line = 1; pos < len; ps.line++) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        size_t plen = directive_prefix(s, n);

        pos += n + 1;
        if (plen) {
            if (parse_directive(&ps, s + plen, n - plen) < 0)
                goto fail;
        } else if (!is_blank_or_comment(s, n)) {
            break;
        }
    }
    if (ps.wants_help || ps.has_wrap) {
        /* job_opts.c refuses both in a script; this is only a safety net. */
        job_opts_fail(&ps, "command-line option in a script");
        goto fail;
    }
    free(ps.jd->script);
    ps.jd->script = xstrndup(text, len);
    job_opts_commit(jd, ps.jd);
    return 0;
fail:
    job_desc_destroy(ps.jd);
    errno = EINVAL;
    return -1;
}
