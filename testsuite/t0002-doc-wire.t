#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='doc/wire.md lists exactly the ops the controller serves'

. "$(dirname "$0")/lib/tessera.sh"

test_expect_success 'every controller op is documented and vice versa' '
    tessctld --list-ops | sort >served &&
    sed -n "/^Served by tessctld/,/^Served by tessd/p" "$TESS_SRCDIR/doc/wire.md" |
        sed -n "s/^| \`\([a-z.]*\)\` |.*/\1/p" | sort >documented &&
    test_cmp served documented
'

test_done
