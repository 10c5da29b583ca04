# The two commands: `make pilot` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PILOT_OUT ?= build/pilot

.PHONY: setup system-deps pilot test lab bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests need (browser for UI tests, PostgreSQL where asked), installed when missing.
system-deps:
	bash scripts/ensure-system-deps.sh

setup: $(STAMP) system-deps

pilot: setup
	bash scripts/foundation-pilot.sh $(PILOT_OUT)

test: setup
	$(BIN)/python -m pytest

lab: setup
	$(BIN)/jupyter lab --allow-root --LabApp.news_url=None

bench: setup
	$(BIN)/python benchmarks/ledger.py

lint: setup
	$(BIN)/ruff check jupyter_privacy tests benchmarks
	$(BIN)/ruff format --check jupyter_privacy tests benchmarks
	$(BIN)/mypy jupyter_privacy/core

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
