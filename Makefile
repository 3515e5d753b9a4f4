# The project's environment is .venv/; every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Where browsers reach `make run`: the explorer links printed on a first start and by
# `make key-url` begin with it.
PUBLIC_URL ?= http://$(HOST):$(PORT)
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
# make seed: how many organizations, integrations in each, and the seed of the data.
ORGS ?= 10
PER_ORG ?= 1000
SEED ?= 42

.PHONY: install generate accept-schema check lint typecheck run key key-url explorer-assets migrate seed bench bench-soak test test-sqlite test-postgres fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Records the current SDL as released, after an intended (breaking) change.
accept-schema: install
	$(BIN)/python -m app.tools.schema_changes --accept

# ariadne-codegen runs ruff on its output and needs it on PATH.
generate: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ariadne-codegen --config codegen.toml

check: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m app.tools.check_generated
	$(BIN)/python -m app.tools.check_schema
	$(BIN)/python -m app.tools.lint_sdl
	$(BIN)/python -m app.tools.schema_changes
	$(BIN)/python -m app.tools.explorer_assets
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy

# A first run on an empty database gets a demo tree (DEMO_DATA=false for none). The
# service logs one line per request itself, so uvicorn's access log is off.
run: install
	@echo "Explorer: $(PUBLIC_URL)/graphql  (SDL: /graphql/schema.graphql)"
	DEMO_DATA=$${DEMO_DATA:-true} PUBLIC_URL=$(PUBLIC_URL) $(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

# Upgrades the database DATABASE_URL names to the newest migration (app/migrations).
migrate: install
	$(BIN)/python -m app.migrate upgrade

# Bulk demo data into the database DATABASE_URL names, through its bulk paths; the same
# SEED on an empty database gives the same rows (README: Benchmarks).
seed: install
	$(BIN)/python -m app.seed --organizations $(ORGS) --integrations-per-organization $(PER_ORG) --seed $(SEED)

# Only the key reaches standard output (install noise goes to standard error).
key:
	@$(MAKE) --no-print-directory install >&2
	@$(BIN)/python -m app.cli key

# The same, as a link that opens the explorer with the new key set.
key-url:
	@$(MAKE) --no-print-directory install >&2
	@PUBLIC_URL=$(PUBLIC_URL) $(BIN)/python -m app.cli key --url

# Copies the explorer's GraphiQL and React bundles anew from `npm ci` of the pinned
# app/static/explorer/vendor/package-lock.json (needs npm); `make check` verifies them.
explorer-assets: install
	$(BIN)/python -m app.tools.explorer_assets --refresh

test: check
	$(BIN)/python -m tests.run_all

test-sqlite: install
	TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

# Every connection fuzzed with the large hypothesis budget (minutes), on the database of
# TEST_DATABASE_URL (default SQLite); failures stay in .hypothesis/ and replay first.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz_connections.py

# The benchmark (minutes; docs/benchmarks.md, README: Benchmarks): seeds its databases,
# starts uvicorn, drives it with wrk and writes the results into docs/benchmarks.md.
# BENCH_* variables narrow it (e.g. BENCH_SIZES=1000 BENCH_DURATION=2 BENCH_RUNS=1).
bench: install
	$(BIN)/python -m bench

# Ten minutes of every request kind, memory of each worker sampled (docs/benchmarks.md).
bench-soak: install
	$(BIN)/python -m bench soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis data
