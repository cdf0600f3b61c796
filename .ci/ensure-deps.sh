#!/usr/bin/env bash
# Installs what the tests need when it is missing: redis-server, chromium
# (the browser journeys in e2e/), wrk (for make bench) and docker-compose (deploy/ validates
# docker-compose.yml with `docker-compose config`; no Docker engine needed)
# from the system's Debian packages. Where that is impossible it stops with
# the exact command to run; it never skips tests.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ -d deploy ] && grep -rqs docker-compose deploy 2>/dev/null; then
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
fi
if [ -n "${PAYSANDBOX_NEEDS_CHROMIUM:-1}" ] && [ -d e2e ] && grep -rqs chromedp e2e 2>/dev/null; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
# make bench drives the servers with wrk (PAYSANDBOX_NEEDS_WRK=1).
if [ -n "${PAYSANDBOX_NEEDS_WRK:-}" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "make test: installing missing test dependencies from Debian packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "make test: cannot install ${need[*]}: not root and no sudo. Run as root:" >&2
    echo "  apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test: no apt-get on this machine; install ${need[*]} with your package manager, then rerun make test" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/paysandbox-apt.log 2>&1; then
  cat /tmp/paysandbox-apt.log >&2
  echo "make test: installing ${need[*]} failed; run: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
# Debian starts a system redis on :6379 after installing it; the tests start
# their own on free ports and do not need it.
for b in "${need[@]}"; do
  command -v "$b" >/dev/null 2>&1 || { echo "make test: $b still missing after install" >&2; exit 1; }
done
echo "make test: installed ${need[*]}"
