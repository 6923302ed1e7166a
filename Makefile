# The README's commands. Each creates (or reuses) the project virtual environment .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo demo-quick test test-all lint benchmarks clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,benchmarks]"
	touch $(STAMP)

venv: $(STAMP)

## Set everything up and run the demo on the real datasets (quick mode: make demo-quick).
demo: $(STAMP)
	$(BIN)/python -m skaquarium.demo

demo-quick: $(STAMP)
	$(BIN)/python -m skaquarium.demo --quick

lint: $(STAMP)
	$(BIN)/ruff check skaquarium tests benchmarks
	$(BIN)/ruff format --check skaquarium tests benchmarks

## Set everything up, lint, and run the tests and doctests (slow tests excluded).
test: lint
	$(BIN)/python -m pytest -m "not slow" --doctest-modules skaquarium tests

## Everything, slow tests included.
test-all: lint
	$(BIN)/python -m pytest --doctest-modules skaquarium tests

benchmarks: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
