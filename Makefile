# Two entry points for a fresh clone: `make run` (launch the app) and `make test` (whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e ".[dev,export,parity]"
	touch $@

run: $(VENV)/.app-installed
	$(BIN)/ffstudio

test: $(VENV)/.dev-installed
	$(BIN)/ruff check core studio tests
	$(BIN)/python -m pytest -q

bench: $(VENV)/.dev-installed
	$(BIN)/python tests/benchmarks/engine.py
	$(BIN)/python tests/benchmarks/gui.py
