#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# README command 1: install, build, start a local emulated cluster, run the
# example GPU job in it and show its output, then stop the cluster.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
sh contribs/setup/install-deps.sh
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure --quiet
make -j"$(nproc)" >/dev/null
work=$(mktemp -d /tmp/tessera-quickstart.XXXXXX)
chmod 755 "$work"
echo "== tess local: starting a cluster in $work"
./cli/tess local --statedir "$work/cluster" -- sh -c '
  set -e
  tess info
  cd "$1"
  tess batch --wait "$2/contribs/jobs/hello-gpu.sbatch"
  echo "== job output ($(ls tessera-*.out)):"
  cat tessera-*.out
  tess queue --states=all
' sh "$work" "$top"
