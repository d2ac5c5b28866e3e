.PHONY: format lint mypy test test-fast catalogs all

PY ?= .venv/bin/python

format:
	$(PY) -m ruff format plugins tests benchmarks tools
	$(PY) -m ruff check --fix plugins tests benchmarks tools

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check plugins tests benchmarks tools

mypy:
	$(PY) -m mypy

# Everything: what CI runs (the README's test command).
test:
	$(PY) -m pytest

# While working: no browser, no nginx, nothing that builds the firm many times (about 2 minutes on 2 cores).
test-fast:
	$(PY) -m pytest -m "not browser and not nginx and not slow" -q

# After changing a message in the code or the templates: extract coachbook.pot and update every shipped catalog.
catalogs:
	$(PY) tools/catalogs.py

all: format lint mypy test
