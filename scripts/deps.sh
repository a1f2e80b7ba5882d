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
# Real pods over CRI (make demo, test/runtime): containerd with its CRI plugin, a static pause built
# with gcc, ip for our CNI plugin, file to tell a static busybox.
command -v containerd >/dev/null || need_apt+=(containerd)
command -v gcc >/dev/null || need_apt+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -e /usr/lib/aarch64-linux-gnu/libc.a ] || need_apt+=(libc6-dev)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v file >/dev/null || need_apt+=(file)
if [ "${NSINSPECT_DEPS:-}" = "test" ]; then
  command -v promtool >/dev/null || need_apt+=(prometheus)
  command -v ps >/dev/null || need_apt+=(procps)
  command -v openssl >/dev/null || need_apt+=(openssl)
  # The completion scripts are loaded by the shells they are for (test/cli/completion-shells.test.ts).
  command -v zsh >/dev/null || need_apt+=(zsh)
  command -v fish >/dev/null || need_apt+=(fish)
  # kubectl's plugin discovery, for the install test (Debian's kubectl is kubernetes-client).
  command -v kubectl >/dev/null || need_apt+=(kubernetes-client)
  # dockerd's libraries (test/runtime/docker).
  dpkg-query -W -f='${Status}' libdevmapper1.02.1 2>/dev/null | grep -q 'ok installed' || need_apt+=(libdevmapper1.02.1)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "deps: need root to apt-get install ${need_apt[*]}: run with sudo" >&2; exit 1; fi
  echo "deps: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# dockerd and docker from Debian's docker.io, unpacked rather than installed: installing starts a daemon
# that adds a bridge and iptables rules to the machine. The tests start their own dockerd from here.
DOCKER_FILES=${NSINSPECT_DOCKER_FILES:-/opt/nsinspect/docker.io}
if [ "${NSINSPECT_DEPS:-}" = "test" ] && ! command -v dockerd >/dev/null && [ ! -x "$DOCKER_FILES/usr/sbin/dockerd" ]; then
  if [ "$(id -u)" != 0 ]; then echo "deps: need root to unpack docker.io into $DOCKER_FILES: run with sudo" >&2; exit 1; fi
  echo "deps: unpacking docker.io into $DOCKER_FILES" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq docker.io 2>/dev/null && mkdir -p "$DOCKER_FILES" && dpkg -x docker.io_*.deb "$DOCKER_FILES")
  rm -rf "$tmp"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
