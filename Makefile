# Vigil — every entry point a newcomer needs. `make serve` runs the service, `make test`
# runs every test; both install missing system packages first (scripts/bootstrap).

SWIFT      ?= swift
VENV       := .venv
PYTHON     := $(VENV)/bin/python
SERVE_ARGS ?=

.PHONY: all bootstrap build release serve demo bench-compare test generated-check unit-test interop conformance fuzz bench venv clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release --product vigil

serve: release
	.build/release/vigil serve $(SERVE_ARGS)

$(VENV)/.installed: tests/interop/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
	touch $@

venv: bootstrap $(VENV)/.installed

# Swift unit and integration tests, the shipped rules and their fixtures, then the interop
# tests (Python websockets, ocpp) and the Autobahn conformance cases, all against the same
# debug build.
test: build venv generated-check
	$(SWIFT) test
	.build/debug/vigil rules check Rules
	.build/debug/vigil rules test Rules
	VIGIL_BIN=.build/debug/vigil $(PYTHON) -m pytest -q tests/interop
	VIGIL_BIN=.build/debug/vigil KOSOKU=$(VENV)/bin/kosoku scripts/conformance

# The committed OCPP types must match what the generator makes from the official schemas
# (skipped, with a note, where ../shared is not present).
generated-check:
	@if [ -d ../shared/reference/ocpp-schemas ]; then scripts/generate-ocpp-messages --check && echo "generated OCPP types are current"; \
	else echo "generated-check: ../shared/reference/ocpp-schemas not found; skipped"; fi

unit-test: build
	$(SWIFT) test

rules-test: build
	.build/debug/vigil rules check Rules
	.build/debug/vigil rules test Rules

interop: build venv
	VIGIL_BIN=.build/debug/vigil $(PYTHON) -m pytest -q tests/interop

conformance: release venv
	VIGIL_BIN=.build/release/vigil KOSOKU=$(VENV)/bin/kosoku scripts/conformance

# libFuzzer on the JSON parser, the HTTP parser and the WebSocket frame decoder
# (FUZZ_SECONDS each, default 20).
fuzz: bootstrap
	Fuzz/run

# A four-minute tour: serve + a webhook receiver + a simulated mixed-vendor fleet with faults.
demo: release
	scripts/demo

bench: release
	.build/release/vigil bench all

# The same load against the Python `ocpp` package's example-style central system and vigil serve.
bench-compare: release venv
	scripts/bench-compare

clean:
	rm -rf .build $(VENV) build-reports
