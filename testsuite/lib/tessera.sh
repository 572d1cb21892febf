# SPDX-License-Identifier: Apache-2.0
# Sharness helpers for Tessera's integration tests. A test sources this
# file, which sources sharness and then offers:
#   tess_start_munge            a private munged in the trash directory
#   tess_write_conf [NODELINES] a config for a small emulated cluster
#   tess_start_ctld / tess_stop_ctld [SIG]
#   tess_start_nodes [NAME...]  one tessd per node, waits for registration
#   tess_start_cluster          all of the above with the default cluster
#   tess_stop_all               stop whatever was started (also on exit)
#   wait_for CMD TIMEOUT_S      poll CMD until it succeeds
#   tess_as USER CMD...         run a command as another local user
#   tess_test_done              stop everything, check sanitizer reports
# Every path lives in the trash directory, whose name contains a space.

: "${TESS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TESS_BUILDDIR:=$TESS_SRCDIR}"
export TESS_SRCDIR TESS_BUILDDIR
SHARNESS_TEST_DIRECTORY="$TESS_BUILDDIR/testsuite"
SHARNESS_TEST_SRCDIR="$TESS_SRCDIR/testsuite"
SHARNESS_BUILD_DIRECTORY="$TESS_BUILDDIR/cli"
export SHARNESS_TEST_DIRECTORY SHARNESS_TEST_SRCDIR SHARNESS_BUILD_DIRECTORY
mkdir -p "$SHARNESS_TEST_DIRECTORY"
. "${SHARNESS:-/usr/share/sharness/sharness.sh}"

PATH="$TESS_BUILDDIR/cli:$TESS_BUILDDIR/ctld:$TESS_BUILDDIR/noded:$PATH"
export PATH
TRASH="$SHARNESS_TRASH_DIRECTORY"
# Sanitizer reports land in files in the trash directory, not in a
# daemon's log where they would go unseen; tess_test_done fails on them.
# The trash directory's name has a space: quote the paths for the
# sanitizers' option parser.
ASAN_OPTIONS="log_path='$TRASH/asan':detect_leaks=1:abort_on_error=0"
UBSAN_OPTIONS="log_path='$TRASH/ubsan':print_stacktrace=1:halt_on_error=1"
LSAN_OPTIONS="suppressions='$TESS_SRCDIR/testsuite/lsan.supp'"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
unset TESS_CONF

test "$(id -u)" = 0 && test_set_prereq ROOT
command -v munged >/dev/null && command -v mungekey >/dev/null &&
    test_set_prereq MUNGE
command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 &&
    test_set_prereq GPU

# Make the trash directory reachable by the other users tests run as.
chmod 755 "$TRASH"

# test_line_count OP N FILE (git's helper; Debian's sharness 1.0 lacks it)
command -v test_line_count >/dev/null 2>&1 ||
test_line_count() {
    if test "$(wc -l <"$3")" "$1" "$2"; then
        return 0
    fi
    echo "test_line_count: line count of $3 is not $1 $2:"
    cat "$3"
    return 1
}

wait_for() { # CMD TIMEOUT_S
    _deadline=$(($(date +%s) + $2))
    while ! eval "$1" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$_deadline" ]; then
            echo "wait_for: '$1' still failing after $2 s" >&2
            return 1
        fi
        sleep 0.05
    done
}

tess_start_munge() {
    MUNGE_DIR="$TRASH/munge"
    mkdir -p "$MUNGE_DIR" && chmod 755 "$MUNGE_DIR" &&
    mungekey -c -k "$MUNGE_DIR/munge.key" &&
    munged --key-file="$MUNGE_DIR/munge.key" \
        --socket="$MUNGE_DIR/munge.sock" \
        --pid-file="$MUNGE_DIR/munged.pid" \
        --log-file="$MUNGE_DIR/munged.log" \
        --seed-file="$MUNGE_DIR/munged.seed" &&
    TESS_MUNGE_SOCKET="$MUNGE_DIR/munge.sock" &&
    export TESS_MUNGE_SOCKET
}

tess_stop_munge() {
    if test -n "${MUNGE_DIR:-}" && test -f "$MUNGE_DIR/munged.pid"; then
        kill "$(cat "$MUNGE_DIR/munged.pid")" 2>/dev/null
        rm -f "$MUNGE_DIR/munged.pid"
    fi
    return 0
}

# The default test cluster: two consumer nodes and one datacenter node.
TESS_DEFAULT_NODES='NodeName=rig[1-2] NodeAddr=127.0.0.1 CPUs=8 RealMemory=16384 Gpus=rtx4090:4 Provider=acme Region=eu NetworkTier=standard
NodeName=dgx1 NodeAddr=127.0.0.1 CPUs=32 RealMemory=131072 Gpus=a100-sxm4-80gb:8 Provider=bigco Region=us NetworkTier=high
PartitionName=general Nodes=ALL Default=YES MaxTime=1-00:00:00'

tess_write_conf() { # [NODE_AND_PARTITION_LINES]
    TESS_CONF="$TRASH/tessera.conf"
    export TESS_CONF
    mkdir -p "$TRASH/ctld" "$TRASH/log" "$TRASH/work" &&
    chmod 1777 "$TRASH/work" &&
    cat >"$TESS_CONF" <<EOT
ClusterName=test
ControlHost=127.0.0.1
ControlPort=0
StateDir="$TRASH/ctld"
SpoolDir="$TRASH/spool/%n"
MungeSocket="$TESS_MUNGE_SOCKET"
CtldLogFile="$TRASH/log/tessctld.log"
NodedLogFile="$TRASH/log/tessd-%n.log"
HeartbeatInterval=1
KillWait=1
${TESS_EXTRA_CONF:-}
${1:-$TESS_DEFAULT_NODES}
EOT
    chmod 755 "$TRASH/ctld"
}

tess_start_ctld() {
    rm -f "$TRASH/ctld/tessctld.addr"
    tessctld -f "$TESS_CONF" &
    TESS_CTLD_PID=$!
    wait_for 'test -s "$TRASH/ctld/tessctld.addr"' 20
}

tess_stop_ctld() { # [SIGNAL]
    test -n "${TESS_CTLD_PID:-}" || return 0
    kill -"${1:-TERM}" "$TESS_CTLD_PID" 2>/dev/null
    wait "$TESS_CTLD_PID" 2>/dev/null
    TESS_CTLD_PID=
    return 0
}

tess_node_names() {
    sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$TESS_CONF" | grep -v DEFAULT |
    while read -r expr; do
        case "$expr" in
        *\[*) prefix=${expr%%\[*}
              range=${expr#*\[}; range=${range%\]*}
              lo=${range%-*}; hi=${range#*-}
              i=$lo; while [ "$i" -le "$hi" ]; do echo "$prefix$i"; i=$((i + 1)); done ;;
        *) echo "$expr" ;;
        esac
    done
}

TESS_NODE_PIDS=""
tess_start_nodes() { # [NAME...]
    _names="$*"
    test -n "$_names" || _names=$(tess_node_names)
    for n in $_names; do
        tessd -f "$TESS_CONF" -N "$n" ${TESS_NODED_ARGS:-} &
        TESS_NODE_PIDS="$TESS_NODE_PIDS $!"
    done
    _count=$(echo $_names | wc -w)
    wait_for "test \$(tess info -N -h | grep -c -v -E ' (unknown|down) ') -ge $_count" 20
}

# Kill one node's tessd with SIGKILL and start a fresh one.
tess_kill9_restart_node() { # NAME
    _pid=$(pgrep -f "tessd -f $TESS_CONF -N $1( |\$)") &&
    kill -9 $_pid &&
    { tessd -f "$TESS_CONF" -N "$1" ${TESS_NODED_ARGS:-} & } &&
    TESS_NODE_PIDS="$TESS_NODE_PIDS $!"
}

tess_stop_nodes() {
    for p in $TESS_NODE_PIDS; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $TESS_NODE_PIDS; do
        wait "$p" 2>/dev/null
    done
    TESS_NODE_PIDS=""
    return 0
}

tess_start_cluster() {
    tess_start_munge &&
    tess_write_conf "${1:-}" &&
    tess_start_ctld &&
    tess_start_nodes
}

tess_stop_all() {
    tess_stop_nodes
    tess_stop_ctld
    tess_stop_munge
}

# Run "CMD..." as USER in the shared work directory with our config.
tess_as() { # USER CMD...
    _user=$1
    shift
    su -s /bin/sh "$_user" -c "cd '$TRASH/work' && PATH='$PATH' TESS_CONF='$TESS_CONF' ASAN_OPTIONS=\"$ASAN_OPTIONS\" UBSAN_OPTIONS=\"$UBSAN_OPTIONS\" LSAN_OPTIONS=\"$LSAN_OPTIONS\" $*"
}

tess_ensure_user() { # NAME
    id "$1" >/dev/null 2>&1 || useradd -m "$1"
}

tess_test_done() {
    tess_stop_all
    test_expect_success 'no sanitizer reports' '
        for f in "$TRASH"/asan.* "$TRASH"/ubsan.*; do
            test -e "$f" || continue
            echo "== $f"; cat "$f"; false || return 1
        done
    '
    test_done
}

# Stop daemons even when a test aborts the script.
trap 'tess_stop_all; die' EXIT
