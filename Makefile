.PHONY: format lint test all

PY ?= .venv/bin/python

format:
	$(PY) -m ruff format plugins tests
	$(PY) -m ruff check --fix plugins tests

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check plugins tests

test:
	$(PY) -m pytest

all: format lint test
