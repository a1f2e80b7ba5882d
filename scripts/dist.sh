#!/usr/bin/env bash
# `make dist`: replays the Dockerfile's build stage (WORKDIR, ENV, COPY, RUN) without a container
# engine, in dist/image/, so CI runs exactly the image's build steps: npm ci, tsc, node-pty's build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
stage=$repo/dist/image
rm -rf "$stage"
mkdir -p "$stage"

# The build stage's instructions, continuation lines joined, comments dropped.
mapfile -t steps < <(awk '
  /^FROM / { inbuild = ($0 ~ / AS build$/); next }
  !inbuild || /^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
  { line = line $0 }
  /\\$/ { sub(/\\$/, "", line); next }
  { print line; line = "" }
' Dockerfile)
[ ${#steps[@]} -gt 0 ] || { echo "dist: no build stage (FROM ... AS build) in the Dockerfile" >&2; exit 1; }

workdir=$stage
for step in "${steps[@]}"; do
  op=${step%% *}
  rest=${step#* }
  case $op in
    WORKDIR)
      workdir=$stage$rest
      mkdir -p "$workdir" ;;
    ENV)
      name=${rest%%=*}
      value=${rest#*=}
      # The image's Node headers live in its own prefix; on this machine npm's own config decides.
      if [ "$name" = npm_config_nodedir ] && [ ! -f "$value/include/node/node.h" ]; then
        echo "dist: ENV $name=$value skipped (no headers there); npm config nodedir=$(npm config get nodedir)" >&2
        continue
      fi
      export "$name=$value" ;;
    COPY)
      read -r -a args <<< "$rest"
      dest=${args[-1]}
      [[ $dest = /* ]] && target=$stage$dest || target=$workdir/$dest
      mkdir -p "$target"
      for src in "${args[@]:0:${#args[@]}-1}"; do
        if [ -d "$repo/$src" ]; then cp -a "$repo/$src/." "$target/"; else cp -a "$repo/$src" "$target/"; fi
      done ;;
    RUN)
      echo "dist: RUN $rest" >&2
      (cd "$workdir" && bash -euo pipefail -c "$rest") ;;
    ARG) ;;
    *)
      echo "dist: unsupported instruction in the build stage: $op" >&2
      exit 1 ;;
  esac
done

# What the runtime stage copies must exist.
for p in package.json node_modules dist/agent dist/cli; do
  [ -e "$stage/src/$p" ] || { echo "dist: $stage/src/$p is missing" >&2; exit 1; }
done
"$(command -v node)" "$stage/src/dist/cli/main.js" --version >/dev/null
echo "dist: build stage replayed into $stage/src ($(du -sh "$stage/src" | cut -f1))" >&2
