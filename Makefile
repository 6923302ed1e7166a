# The README's commands. Each creates (or reuses) the project virtual environment .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo demo-quick test test-all lint docs benchmarks clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,benchmarks]"
	touch $(STAMP)

venv: $(STAMP)

# The data: SKAQUARIUM_DATA / SCIKIT_LEARN_DATA when set, else the shared/data folder beside the
# clone when there is one (where the tests and CI find it), else the loaders' defaults.
SHARED_DATA := $(abspath ../shared/data)
DATA_ENV := $(if $(wildcard $(SHARED_DATA)),SKAQUARIUM_DATA="$${SKAQUARIUM_DATA:-$(SHARED_DATA)}" SCIKIT_LEARN_DATA="$${SCIKIT_LEARN_DATA:-$(SHARED_DATA)/sklearn}",)

## Set everything up and run the demo on the real datasets (quick mode: make demo-quick).
demo: $(STAMP)
	$(DATA_ENV) $(BIN)/python -m skaquarium.demo

demo-quick: $(STAMP)
	$(DATA_ENV) $(BIN)/python -m skaquarium.demo --quick

lint: $(STAMP)
	$(BIN)/ruff check skaquarium tests benchmarks examples docs/conf.py
	$(BIN)/ruff format --check skaquarium tests benchmarks examples docs/conf.py

## Set everything up, lint, and run the tests and doctests (slow tests excluded), in two worker
## processes (most of a small Keras fit is single-threaded graph tracing).
test: lint
	$(BIN)/python -m pytest -n 2 -m "not slow" --durations=25 --doctest-modules skaquarium tests

## Everything, slow tests included.
test-all: lint
	$(BIN)/python -m pytest -n 2 --doctest-modules skaquarium tests

DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

## Build the documentation and run the gallery (warnings are errors): docs/_build/html/index.html
docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

benchmarks: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache docs/_build docs/auto_examples docs/generated
