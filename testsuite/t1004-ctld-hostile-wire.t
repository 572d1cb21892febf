#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the controller survives malformed, oversized, unauthenticated and replayed messages'

. "$(dirname "$0")/lib/tessera.sh"

test_have_prereq MUNGE || skip_all='munged is not installed' test_done
command -v bash >/dev/null || skip_all='bash is needed for /dev/tcp' test_done

test_expect_success 'start a controller' '
    tess_start_munge && tess_write_conf && tess_start_ctld &&
    PORT=$(cut -d" " -f2 "$TRASH/ctld/tessctld.addr")
'

# poke FILE FRAME...: send each FRAME (length-prefixed) on one connection
# and save everything the controller sends back until it closes the
# connection (exit 0) or 5 s pass (exit 124).
cat >poke.bash <<'EOT'
port=$1 out=$2; shift 2
exec 3<>/dev/tcp/127.0.0.1/$port || exit 2
for f in "$@"; do
    case $f in
    RAWLEN:*) n=${f#RAWLEN:}; payload="" ;;
    *) n=$(printf %s "$f" | wc -c); payload=$f ;;
    esac
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n>>24&255)) $((n>>16&255)) $((n>>8&255)) $((n&255)))" >&3
    printf %s "$payload" >&3
done
timeout 5 cat <&3 >"$out"
EOT

test_expect_success 'a request before authentication is denied and the connection closed' '
    bash poke.bash $PORT r1 "{\"v\":1,\"id\":1,\"op\":\"job.list\",\"body\":{}}" &&
    grep -q "\"code\":\"denied\"" r1
'

test_expect_success 'an oversized frame is refused before it is read' '
    bash poke.bash $PORT r2 RAWLEN:2147483647 &&
    grep -q "\"code\":\"too_large\"" r2
'

test_expect_success 'malformed JSON is refused' '
    bash poke.bash $PORT r3 "this is not json" &&
    grep -q "\"code\":\"proto\"" r3
'

test_expect_success 'a JSON array instead of an object is refused' '
    bash poke.bash $PORT r4 "[1,2,3]" &&
    grep -q "\"code\":\"proto\"" r4
'

test_expect_success 'an unsupported protocol version is refused' '
    bash poke.bash $PORT r5 "{\"v\":99,\"id\":1,\"op\":\"auth.hello\",\"body\":{}}" &&
    grep -q "\"code\":\"proto\"" r5 && grep -q "unsupported" r5
'

test_expect_success 'a forged credential is refused' '
    bash poke.bash $PORT r6 "{\"v\":1,\"id\":1,\"op\":\"auth.hello\",\"body\":{\"cred\":\"MUNGE:AAAAforged:\"}}" &&
    grep -q "\"code\":\"denied\"" r6
'

test_expect_success 'a replayed credential is refused' '
    cred=$(munge -S "$TESS_MUNGE_SOCKET" -n) &&
    hello="{\"v\":1,\"id\":1,\"op\":\"auth.hello\",\"body\":{\"cred\":\"$cred\"}}" &&
    test_expect_code 124 bash poke.bash $PORT r7 "$hello" &&
    grep -q "\"cred\"" r7 &&
    bash poke.bash $PORT r8 "$hello" &&
    grep -q "\"code\":\"denied\"" r8 && grep -qi "replay" r8
'

test_expect_success ROOT 'an ordinary user cannot register as a node' '
    tess_ensure_user tessuser1 &&
    cred=$(su -s /bin/sh tessuser1 -c "munge -S \"$TESS_MUNGE_SOCKET\" -n") &&
    hello="{\"v\":1,\"id\":1,\"op\":\"auth.hello\",\"body\":{\"cred\":\"$cred\"}}" &&
    reg="{\"v\":1,\"id\":2,\"op\":\"node.register\",\"body\":{\"name\":\"rig1\",\"cpus\":8,\"mem_mib\":100,\"running\":[],\"finished\":[]}}" &&
    test_expect_code 124 bash poke.bash $PORT r9 "$hello" "$reg" &&
    grep -q "only root or TessUser may register a node" r9
'

test_expect_success 'the controller still serves after all of that' '
    tess queue >/dev/null &&
    kill -0 $TESS_CTLD_PID &&
    grep -q "authentication failed" "$TRASH/log/tessctld.log"
'

tess_test_done
