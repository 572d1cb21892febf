#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what Tessera needs to build and test on Debian 12. Used by the
# README's two commands; safe to run again.
set -eu
PACKAGES="build-essential autoconf automake libtool pkg-config clang \
  libclang-rt-14-dev munge libmunge-dev libevent-dev libjansson-dev \
  libhwloc-dev hwloc libsqlite3-dev libcmocka-dev sharness procps \
  libopenmpi-dev openmpi-bin libpmix-dev iproute2 passwd"

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo "$0" "$@"
    fi
    echo "install-deps: run as root (apt-get needs it)" >&2
    exit 1
fi
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi
