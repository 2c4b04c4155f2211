# One entry point for developers and CI (.ci/run calls these targets).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help venv replay test test-fast lint typecheck bench clean

help:
	@echo "make replay    - replay the bundled sample logs (creates $(VENV) on first use)"
	@echo "make test      - the full test suite"
	@echo "make lint      - ruff check + ruff format --check"
	@echo "make typecheck - mypy --strict"
	@echo "make bench     - benchmarks (print figures; never part of the tests)"

$(BIN)/sentinel:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'

venv: $(BIN)/sentinel

replay: venv
	$(BIN)/sentinel replay

test: venv
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: venv
	$(BIN)/pytest -q -m "not slow"

lint: venv
	$(BIN)/ruff check sentinel tests bench
	$(BIN)/ruff format --check sentinel tests bench

typecheck: venv
	$(BIN)/mypy

bench: venv
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/regex_worstcase.py
	$(BIN)/python bench/tail.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
