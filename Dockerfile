# nsinspect agent image: a build stage (npm ci, tsc, node-pty's native addon) and a slim runtime.
# No container engine here: `make dist` replays the build stage's steps (scripts/dist.sh), and
# test/deploy/dockerfile.test.ts checks this file's structure.

# 24: the active Node.js LTS (22 is in maintenance, 20 is past its end of life). Both stages use
# the same major version and Debian release, so node-pty's addon matches the runtime's ABI and glibc.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
# node-gyp builds node-pty (no Linux prebuilds) against this image's own headers, offline.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY agent ./agent
COPY cli ./cli
COPY scripts/bundle.mjs ./scripts/
# The agent runs the tsc output; the CLI on the PATH is the bundle, as the npm package ships it.
RUN npx tsc -p tsconfig.json && chmod +x dist/cli/main.js dist/cli/nsinspect.cjs dist/cli/kubectl-complete.cjs && node dist/cli/help-build.js && node scripts/bundle.mjs
RUN node -e "require('node-pty')" && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# What exec mode "tools" runs inside a container's namespaces, from this image's filesystem:
# util-linux (nsenter, unshare, mount, lsns), procps (ps, top, pgrep), iproute2 (ip, ss);
# coreutils (cat, ls) is in the base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends util-linux procps iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/nsinspect
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/agent ./dist/agent
COPY --from=build /src/dist/cli ./dist/cli
RUN ln -s /opt/nsinspect/dist/cli/bundle/nsinspect.cjs /usr/local/bin/nsinspect \
 && ln -s /opt/nsinspect/dist/cli/bundle/nsinspect.cjs /usr/local/bin/kubectl-nsinspect \
 && ln -s /opt/nsinspect/dist/cli/kubectl-complete.cjs /usr/local/bin/kubectl_complete-nsinspect
# Runs as root, on purpose: reading /proc/<pid>/ns/* of other users' processes and setns(2)
# need capabilities in the host's user namespace, which the DaemonSet grants to root only
# (SYS_ADMIN, SYS_PTRACE, SYS_CHROOT, DAC_READ_SEARCH; every other capability is dropped).
USER 0:0
ENTRYPOINT ["nsinspect", "agent"]
