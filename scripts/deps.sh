#!/usr/bin/env bash
# scripts/deps.sh [--test] [--bench] - installs the Debian 12 packages
# FlawFix needs (apt-get when root; otherwise prints the exact apt-get line
# and exits 1). --test adds what the test suite uses, --bench the load tools.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git ca-certificates curl
      libmicrohttpd-dev libpq-dev libjansson-dev libyajl-dev libxml2-dev
      libcurl4-gnutls-dev libetpan-dev libsodium-dev libcairo2-dev libpango1.0-dev
      libcmark-dev zlib1g-dev postgresql-15 postgresql-client-15)
for a in "$@"; do
  case "$a" in
    --test) pkgs+=(libcmocka-dev python3 jq cppcheck clang libclang-rt-14-dev) ;;
    --bench) pkgs+=(wrk jq python3 bc)
             # the CVSS peer runs on Node.js: Debian's nodejs + npm, unless a
             # Node.js with its own npm (e.g. nodesource's) is there already
             command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm) ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "FlawFix needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# the package lists of a fresh machine may be empty or stale
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/flawfix-apt.log 2>&1; then
  apt-get update -qq >/tmp/flawfix-apt-update.log 2>&1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/flawfix-apt.log 2>&1 \
    || { tail -20 /tmp/flawfix-apt.log >&2; exit 1; }
fi
