# nsinspect: build, test, demo and benchmarks. Run as root: the engine reads other processes' /proc.
SHELL := /bin/bash
NODE ?= node
TAP_FLAGS ?=

.PHONY: all deps deps-test build test demo bench lint dist image deploy undeploy e2e-kind clean sweep

all: build

deps:
	@scripts/deps.sh

deps-test:
	@NSINSPECT_DEPS=test scripts/deps.sh

build: deps
	@npx tsc -p tsconfig.json
	@chmod +x dist/cli/main.js

lint: deps
	@npx tsc -p tsconfig.json --noEmit

## The whole suite, against the real kernel: runc containers, unshare, nsenter, promtool.
test: deps-test build
	@set -o pipefail; status=0; npx tap $(TAP_FLAGS) || status=$$?; \
	  $(NODE) dist/lab/sweep.js; exit $$status

## The article's experiment with real runc containers; removes everything afterwards.
demo: build
	@$(NODE) dist/lab/demo.js

## Every benchmark in one go (about 10 minutes; BENCH_AGENT_FLAGS=--duration 60 for a short soak).
bench: build
	@$(NODE) dist/bench/lsns.js; $(NODE) dist/bench/cli.js; $(NODE) dist/bench/agent.js $(BENCH_AGENT_FLAGS)

sweep:
	@$(NODE) dist/lab/sweep.js

dist: build
	@echo "dist: compiled into dist/ (the image build runs the same steps)"

image:
	@echo "image: needs a container engine (docker/buildah); not available on this machine" >&2; exit 1

deploy undeploy e2e-kind:
	@echo "$@: needs a Kubernetes cluster; see the README" >&2; exit 1

clean:
	rm -rf dist .tap
