# nsinspect: build, test, demo and benchmarks. Run as root: the engine reads other processes' /proc.
SHELL := /bin/bash
NODE ?= node
TAP_FLAGS ?=

# The demo, the tests and the benchmarks need root (runc, other processes' /proc, apt-get). Run
# as a user, make runs itself again through sudo: `make demo` and `make test` work as written
# in a root shell without sudo, and as a user with it.
ifneq ($(shell id -u),0)
ROOT_GOALS := $(filter deps deps-test test demo bench bench-node bench-cluster-cli soak sweep,$(MAKECMDGOALS))
endif

ifneq ($(ROOT_GOALS),)
.PHONY: $(MAKECMDGOALS)
$(firstword $(MAKECMDGOALS)):
	@command -v sudo >/dev/null || { echo "make $(MAKECMDGOALS): needs root; run it as root (no sudo here)" >&2; exit 1; }
	@exec sudo -E env "PATH=$$PATH" $(MAKE) --no-print-directory $(MAKECMDGOALS)
$(filter-out $(firstword $(MAKECMDGOALS)),$(MAKECMDGOALS)):
	@:
else

.PHONY: all deps deps-test build test check demo bench bench-node bench-cluster-cli soak lint dist release image deploy undeploy e2e-kind clean sweep

all: build

deps:
	@scripts/deps.sh

deps-test:
	@NSINSPECT_DEPS=test scripts/deps.sh

## Compiles only when a source changed since the last build (tsc is incremental besides).
SOURCES := $(shell find agent cli lab bench -name '*.ts' -o -name '*.cts') tsconfig.json package.json scripts/bundle.mjs
build: deps dist/.built

dist/.built: $(SOURCES)
	@npx tsc -p tsconfig.json
	@chmod +x dist/cli/main.js dist/cli/nsinspect.cjs
	@$(NODE) dist/cli/help-build.js
	@$(NODE) scripts/bundle.mjs
	@touch $@

lint: deps
	@npx tsc -p tsconfig.json --noEmit

## Static checks before the suite: no import cycles; test/ and bench/ type-check too (tsconfig.check.json); typescript-eslint.
check: deps
	@npm run -s check:cycles
	@npm run -s check:types
	@npm run -s check:lint

## The whole suite, against the real kernel: runc containers, unshare, nsenter, promtool.
test: deps-test build check
	@npx tap $(TAP_FLAGS)

## The article's experiment on real containerd pods made over CRI (else runc containers); removes everything afterwards.
demo: build
	@$(NODE) dist/lab/demo.js

## Every benchmark in one go (about 30 minutes), then one table of every target: bench/results/SUMMARY.md.
bench: build
	@$(NODE) dist/bench/lsns.js; $(NODE) dist/bench/cli.js; $(NODE) dist/bench/cluster-cli.js; $(NODE) dist/bench/exec.js; $(NODE) dist/bench/idle.js; $(NODE) dist/bench/ps.js; $(NODE) dist/bench/agent.js $(BENCH_AGENT_FLAGS); $(NODE) dist/bench/suite.js

## The node-side rows only (about 10 minutes): lsns and lookup against util-linux, the agent's idle scans, host-side ps against nsenter.
bench-node: build
	@$(NODE) dist/bench/lsns.js; $(NODE) dist/bench/idle.js; $(NODE) dist/bench/ps.js; $(NODE) dist/bench/suite.js

## The cluster commands against kubectl get --raw, and --help and lsns -o json against node -e 0 (a few minutes).
bench-cluster-cli: build
	@$(NODE) dist/bench/cluster-cli.js

## Ten minutes of mixed load with pods churning; fails on a leak. Plots to dist/bench-results/soak.png (gnuplot-nox).
soak: build
	@command -v gnuplot >/dev/null || apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
	@$(NODE) dist/bench/soak.js $(SOAK_FLAGS)

sweep:
	@$(NODE) dist/lab/sweep.js

## The npm package, the krew archive and its plugin manifest, in dist/release/ (RELEASE_BASE_URL: where the archive will be published).
release: deps
	@scripts/release.sh

## The Dockerfile's build stage (npm ci, tsc, node-pty's native build), replayed in dist/image/ without a container engine.
dist:
	@scripts/dist.sh

IMAGE ?= ghcr.io/nsinspect/nsinspect:$(shell node -p "require('./package.json').version")
MANIFESTS ?= manifests

## The agent image, with docker, podman or buildah.
image:
	@if command -v docker >/dev/null; then docker build -t $(IMAGE) .; \
	elif command -v podman >/dev/null; then podman build -t $(IMAGE) .; \
	elif command -v buildah >/dev/null; then buildah bud -t $(IMAGE) .; \
	else echo "image: needs docker, podman or buildah" >&2; exit 1; fi

## Installs into the current kubectl context (MANIFESTS=manifests/with-prometheus adds the Prometheus objects).
deploy:
	kubectl apply -k $(MANIFESTS)
	kubectl -n nsinspect-system rollout status daemonset/nsinspect-agent --timeout=180s

undeploy:
	kubectl delete -k $(MANIFESTS) --ignore-not-found

## kind cluster + the image + a real kubectl debug --target session checked with nsinspect diff (needs docker, kind, kubectl).
e2e-kind: build
	@IMAGE=nsinspect:e2e scripts/e2e-kind.sh

clean:
	rm -rf dist .tap
endif
