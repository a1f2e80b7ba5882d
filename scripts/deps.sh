#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian/Ubuntu machine, only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v runc >/dev/null || need_apt+=(runc)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need_apt+=(busybox-static)
command -v nsenter >/dev/null || need_apt+=(util-linux)
command -v lsns >/dev/null || need_apt+=(util-linux)
command -v setpriv >/dev/null || need_apt+=(util-linux)
if [ "${NSINSPECT_DEPS:-}" = "test" ]; then
  command -v promtool >/dev/null || need_apt+=(prometheus)
  command -v ps >/dev/null || need_apt+=(procps)
  command -v openssl >/dev/null || need_apt+=(openssl)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "deps: need root to apt-get install ${need_apt[*]}: run with sudo" >&2; exit 1; fi
  echo "deps: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
