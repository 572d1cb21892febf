#!/bin/sh
# Generate configure and Makefile.in; none of the output is committed.
set -e
cd "$(dirname "$0")"
autoreconf --install --force --warnings=all,no-portability
