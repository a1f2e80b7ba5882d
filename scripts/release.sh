#!/usr/bin/env bash
# make release: the npm package, a krew archive (the package with its production dependencies),
# and the krew plugin manifest pointing at it, all in dist/release/.
# The CLI is plain JavaScript (node-pty, the one native module, is the agent's and optional), so
# one archive serves every platform krew lists; Node.js >= 20 on the user's PATH is the prerequisite.
# Both run the esbuild bundle (dist/cli/bundle/, scripts/bundle.mjs): one file per command instead
# of a module graph to resolve at every start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p 'require("./package.json").version')
base_url=${RELEASE_BASE_URL:-https://github.com/nsinspect/nsinspect/releases/download/v${version}}
out=${RELEASE_OUT:-dist/release}
rm -rf "$out"
mkdir -p "$out"

# The npm package (prepack compiles and renders the help; RELEASE_SKIP_BUILD=1 when dist/ is fresh).
npm pack --silent ${RELEASE_SKIP_BUILD:+--ignore-scripts} --pack-destination "$out" >/dev/null
tarball="$out/nsinspect-${version}.tgz"

# The krew archive: the unpacked package plus its production dependencies, without node-pty.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tar -xzf "$tarball" -C "$stage"
(cd "$stage/package" && npm install --omit=dev --omit=optional --prefer-offline --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
# kubectl (1.26+) completes `kubectl nsinspect <TAB>` through kubectl_complete-nsinspect on the PATH.
chmod 0755 "$stage/package/dist/cli/kubectl-complete.cjs"
ln -s dist/cli/kubectl-complete.cjs "$stage/package/kubectl_complete-nsinspect"
archive="$out/kubectl-nsinspect-${version}.tar.gz"
# Fixed owner and time, sorted names: the same sources give the same archive and checksum.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2026-01-01 00:00:00Z' -C "$stage" -czf "$archive" package
sha=$(sha256sum "$archive" | cut -d' ' -f1)

platforms=""
for os in linux darwin; do
  for arch in amd64 arm64; do
    platforms+="  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${base_url}/kubectl-nsinspect-${version}.tar.gz
    sha256: ${sha}
    files:
      - from: package/*
        to: .
    bin: dist/cli/bundle/nsinspect.cjs
"
  done
done

cat >"$out/nsinspect.yaml" <<EOF
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: nsinspect
spec:
  version: v${version}
  homepage: https://github.com/nsinspect/nsinspect
  shortDescription: Which namespaces does my kubectl debug container really share?
  description: |
    Compares a pod's container with its kubectl debug (ephemeral) debugger: the eight Linux
    namespaces side by side, whose each one is, what the debugger can do to its target, and the
    processes seen from the host. Talks to the nsinspect agent DaemonSet on the pod's node.
  caveats: |
    Needs Node.js 20 or newer on your PATH (the plugin is a Node.js program).
    The nsinspect agent must run on your nodes: see the README for the manifests and the roles.
    For kubectl nsinspect <TAB>, put kubectl_complete-nsinspect on your PATH:
      ln -s ~/.krew/store/nsinspect/v${version}/kubectl_complete-nsinspect ~/.krew/bin/
  platforms:
EOF
printf '%s' "$platforms" >>"$out/nsinspect.yaml"

echo "release: $tarball, $archive (sha256 $sha), $out/nsinspect.yaml" >&2
