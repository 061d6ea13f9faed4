# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install run test
install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py run_local

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)
