# The commands the README gives and CI runs. `make run` and `make test` each set up everything first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean setup system-deps

run: setup ## Audit every department under params/ into outputs/
	$(BIN)/audit-toolkit run

test: setup system-deps ## The full test suite: package tests, notebooks (nbval), browser tests
	$(BIN)/python -m pytest

test-fast: setup ## Package tests only, no browser
	$(BIN)/python -m pytest -m "not browser"

LINTED := toolkit tests benchmarks

lint: setup ## Formatting, lint rules and types (ruff and mypy, configured in pyproject.toml); CI runs it before the tests
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy toolkit

bench: setup ## Speed targets, measured (not part of the tests); run on an otherwise idle machine
	$(BIN)/python benchmarks/score_10k.py
	$(BIN)/python benchmarks/run_40.py
	$(BIN)/python benchmarks/summary_2000.py

setup: $(STAMP)

# The virtual environment, installed from the lock so every machine gets the same versions.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name audit-toolkit --display-name "绩效审计工具包 (Python 3)" >/dev/null
	$(BIN)/python -m toolkit.report.webfont >/dev/null
	touch $(STAMP)

# Debian packages the browser tests need (headless Chromium); installs them when missing.
system-deps:
	@scripts/system-deps.sh

clean:
	rm -rf $(VENV) outputs/* .pytest_cache
