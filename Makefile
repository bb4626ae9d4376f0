# Every target bootstraps .venv from a fresh clone; only Python 3.11+ is needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: install test lint format demo bench serve lock clean

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "data-engine-x needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

## All tests. Uses DATABASE_URL's server when set, else an embedded PostgreSQL.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The main job on embedded defaults.
demo: $(STAMP)
	$(BIN)/dex demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

serve: $(STAMP)
	$(BIN)/dex serve

## Re-pin requirements.lock (what runs: a cluster node installs only it) from requirements.in, then
## requirements-dev.lock (tests, lint, benchmarks) from requirements-dev.in, with uv and hashes.
lock: $(STAMP)
	@test -x $(BIN)/uv || $(PIP) install uv
	$(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --no-header --no-annotate \
		requirements.in -o requirements.lock
	sed -i '1i # Hashed lock compiled from requirements.in: make lock' requirements.lock
	$(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --no-header --no-annotate \
		requirements-dev.in -o requirements-dev.lock
	sed -i '1i # Hashed lock compiled from requirements-dev.in (against requirements.lock): make lock' \
		requirements-dev.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
