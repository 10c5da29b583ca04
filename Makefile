# The two commands: `make pilot` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PILOT_OUT ?= build/pilot
PILOT_ARGS ?=

.PHONY: setup system-deps labextension pilot test lab bench bench-large lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests need (browser for UI tests, PostgreSQL where asked), installed when missing.
system-deps:
	bash scripts/ensure-system-deps.sh

# The JupyterLab extension, built with the venv's jlpm and linked into the venv; offline after the
# first npm install (jlpm is skipped while package.json and yarn.lock are unchanged).
LABEXT_STAMP   := $(VENV)/.labextension-built
LABEXT_SOURCES := $(wildcard labextension/src/*.ts labextension/style/*) labextension/package.json \
                  labextension/yarn.lock labextension/tsconfig.json jupyter-config/server-config/jupyter_privacy.json

$(LABEXT_STAMP): $(STAMP) $(LABEXT_SOURCES)
	bash scripts/build-labextension.sh
	touch $(LABEXT_STAMP)

labextension: $(LABEXT_STAMP)

setup: $(STAMP) system-deps labextension

pilot: setup
	$(BIN)/jupyter-privacy pilot run --out $(PILOT_OUT) $(PILOT_ARGS)

test: setup
	$(BIN)/python -m pytest --durations=25

lab: setup
	$(BIN)/jupyter lab --allow-root --LabApp.news_url=None

# Each script prints its figures as ratios against a baseline measured in the same run
# (docs/benchmarks.md records them). bench-large adds the 100M-row Parquet query (minutes, ~10 GB disk).
bench: setup
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/queries.py --no-large
	$(BIN)/python benchmarks/dpsgd.py
	$(BIN)/python benchmarks/tradeoff.py
	$(BIN)/python benchmarks/labextension.py
	$(BIN)/python benchmarks/pilot.py
	$(BIN)/python benchmarks/he.py

bench-large: setup
	$(BIN)/python benchmarks/queries.py --no-small

lint: setup
	$(BIN)/ruff check jupyter_privacy tests benchmarks
	$(BIN)/ruff format --check jupyter_privacy tests benchmarks
	$(BIN)/mypy jupyter_privacy/core

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
