#!/usr/bin/env bash
# scripts/lint/cppcheck.sh - static analysis of the C sources (make lint;
# also a ctest entry of make test). cppcheck does not read the system
# headers: jansson's iteration macros come from cppcheck-macros.h.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
  --include=scripts/lint/cppcheck-macros.h \
  -I . common workflow ingest db connectors mail templates reports daemon
