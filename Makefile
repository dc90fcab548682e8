# Vigil — every entry point a newcomer needs. `make serve` runs the service, `make test`
# runs every test; both install missing system packages first (scripts/bootstrap).

SWIFT      ?= swift
VENV       := .venv
PYTHON     := $(VENV)/bin/python
SERVE_ARGS ?=

.PHONY: all bootstrap bootstrap-tests build release serve demo bench-compare test generated-check unit-test interop conformance fuzz bench venv clean install

all: build

bootstrap:
	@scripts/bootstrap

# What only the tests need besides (Chromium for the dashboard's browser tests).
bootstrap-tests:
	@scripts/bootstrap --tests

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

venv: bootstrap-tests $(VENV)/.installed

# Swift unit and integration tests — the store's suites on SQLite and on a scratch PostgreSQL
# server (scripts/postgres-scratch) — the shipped rules and their fixtures, then the interop
# tests (Python websockets, ocpp) and the Autobahn conformance cases, all against the same
# debug build.
test: build venv generated-check
	scripts/postgres-scratch run $(SWIFT) test --skip IntegrationTests
	$(SWIFT) test --skip-build --filter IntegrationTests
	.build/debug/vigil rules check Rules
	.build/debug/vigil rules test Rules
	VIGIL_BIN=.build/debug/vigil scripts/postgres-scratch run $(PYTHON) -m pytest -q tests/interop
	VIGIL_BIN=.build/debug/vigil KOSOKU=$(VENV)/bin/kosoku scripts/conformance

# The committed OCPP types must match what the generator makes from the official schemas
# (skipped, with a note, where ../shared is not present).
generated-check:
	@if [ -d ../shared/reference/ocpp-schemas ]; then scripts/generate-ocpp-messages --check && echo "generated OCPP types are current"; \
	else echo "generated-check: ../shared/reference/ocpp-schemas not found; skipped"; fi

unit-test: build
	scripts/postgres-scratch run $(SWIFT) test --skip IntegrationTests
	$(SWIFT) test --skip-build --filter IntegrationTests

rules-test: build
	.build/debug/vigil rules check Rules
	.build/debug/vigil rules test Rules

interop: build venv
	VIGIL_BIN=.build/debug/vigil scripts/postgres-scratch run $(PYTHON) -m pytest -q tests/interop

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
	.build/release/vigil bench insights
	scripts/postgres-scratch run .build/release/vigil bench cluster

# The same load against the Python `ocpp` package's example-style central system and vigil serve.
bench-compare: release venv
	scripts/bench-compare

# Installs the release binary, the shipped rules and vendor catalogue, the docs, the shell
# completions (when `vigil completion bash|zsh` exists), a hardened systemd unit, a sysusers.d
# entry for the `vigil` user and a default config (never over an existing one). Without root:
# `make install PREFIX=$$HOME/vigil SYSCONFDIR=$$HOME/vigil/etc` or `make install DESTDIR=/tmp/stage`.
# INSTALL_BIN installs another build (the tests install the debug one) and skips the release build.
# After installing as root: docs/deployment.md (the user, the directories, the unit).
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc
STATEDIR   ?= /var/lib/vigil
BINDIR     ?= $(PREFIX)/bin
SHAREDIR   ?= $(PREFIX)/share/vigil
DOCDIR     ?= $(PREFIX)/share/doc/vigil
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL_BIN ?=
SUBSTITUTE  = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SHAREDIR@|$(SHAREDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
                  -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g'

install: $(if $(INSTALL_BIN),,release)
	@set -e; bin="$(or $(INSTALL_BIN),.build/release/vigil)"; \
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(SHAREDIR)" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(UNITDIR)" \
	           "$(DESTDIR)$(SYSUSERSDIR)"; \
	install -m 0755 "$$bin" "$(DESTDIR)$(BINDIR)/vigil"; \
	rm -rf "$(DESTDIR)$(SHAREDIR)/Rules" "$(DESTDIR)$(SHAREDIR)/VendorCodes"; \
	cp -R Rules VendorCodes "$(DESTDIR)$(SHAREDIR)/"; \
	chmod -R u=rwX,go=rX "$(DESTDIR)$(SHAREDIR)"; \
	install -m 0644 README.md docs/*.md "$(DESTDIR)$(DOCDIR)/"; \
	if "$$bin" completion bash >/dev/null 2>&1; then \
	  install -d "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions"; \
	  "$$bin" completion bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vigil"; \
	  "$$bin" completion zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vigil"; \
	else echo "install: no \`vigil completion\` in this build; shell completions skipped"; fi; \
	$(SUBSTITUTE) deploy/vigil.service.in > "$(DESTDIR)$(UNITDIR)/vigil.service"; chmod 0644 "$(DESTDIR)$(UNITDIR)/vigil.service"; \
	$(SUBSTITUTE) deploy/vigil.sysusers.in > "$(DESTDIR)$(SYSUSERSDIR)/vigil.conf"; chmod 0644 "$(DESTDIR)$(SYSUSERSDIR)/vigil.conf"; \
	install -d "$(DESTDIR)$(SYSCONFDIR)/vigil"; \
	if [ -e "$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml" ]; then \
	  $(SUBSTITUTE) deploy/vigil.yaml.in > "$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml.default"; chmod 0600 "$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml.default"; \
	  echo "install: kept $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml; the shipped default is vigil.yaml.default beside it"; \
	else \
	  (umask 077; $(SUBSTITUTE) deploy/vigil.yaml.in > "$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml"); \
	fi; \
	echo "installed vigil in $(DESTDIR)$(PREFIX); next: docs/deployment.md"

clean:
	rm -rf .build $(VENV) build-reports
