#!/bin/sh
# The tests' CNI plugin: a veth pair made and kept entirely inside the pod's netns, with a TEST-NET-2
# address (RFC 5737; TEST-NET-1 is this machine's own network) on CNI_IFNAME; nothing is created on the host. Called as "loopback" it only brings
# lo up, which is what containerd's CRI asks of its loopback network. Speaks CNI 0.4.0 (ADD, DEL, CHECK, VERSION).
set -eu
conf=$(cat)
version=$(printf '%s' "$conf" | sed -n 's/.*"cniVersion"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$version" ] || version=0.4.0
kind=testnet
case "$conf" in *'"type"'*'"loopback"'*) kind=loopback ;; esac
addr=198.51.100.2/24
fail() { printf '{"cniVersion":"%s","code":%s,"msg":"%s"}\n' "$version" "$1" "$2"; exit 1; }
inns() { nsenter --net="$CNI_NETNS" "$@"; }

case "${CNI_COMMAND:-}" in
VERSION)
  printf '{"cniVersion":"%s","supportedVersions":["0.3.0","0.3.1","0.4.0"]}\n' "$version"
  ;;
ADD)
  [ -e "$CNI_NETNS" ] || fail 11 "no netns at $CNI_NETNS"
  if [ "$kind" = loopback ]; then
    inns ip link set lo up || fail 11 "bringing lo up"
    printf '{"cniVersion":"%s","interfaces":[{"name":"lo","sandbox":"%s"}],"ips":[{"version":"4","address":"127.0.0.1/8","interface":0}],"dns":{}}\n' "$version" "$CNI_NETNS"
    exit 0
  fi
  inns ip link add "$CNI_IFNAME" type veth peer name "${CNI_IFNAME}p" || fail 11 "adding veth $CNI_IFNAME"
  inns ip addr add "$addr" dev "$CNI_IFNAME" || fail 11 "adding $addr"
  inns ip link set "${CNI_IFNAME}p" up
  inns ip link set "$CNI_IFNAME" up
  mac=$(inns cat "/sys/class/net/$CNI_IFNAME/address" 2>/dev/null || true)
  printf '{"cniVersion":"%s","interfaces":[{"name":"%s","mac":"%s","sandbox":"%s"}],"ips":[{"version":"4","address":"%s","interface":0}],"dns":{}}\n' \
    "$version" "$CNI_IFNAME" "$mac" "$CNI_NETNS" "$addr"
  ;;
DEL)
  # Idempotent: the netns or the link may already be gone.
  if [ "$kind" = testnet ] && [ -n "${CNI_NETNS:-}" ] && [ -e "$CNI_NETNS" ]; then
    inns ip link del "$CNI_IFNAME" 2>/dev/null || true
  fi
  ;;
CHECK)
  [ "$kind" = loopback ] && exit 0
  inns ip addr show dev "$CNI_IFNAME" 2>/dev/null | grep -q "inet $addr" || fail 11 "$CNI_IFNAME has no $addr"
  ;;
*)
  fail 4 "unknown CNI_COMMAND ${CNI_COMMAND:-}"
  ;;
esac
