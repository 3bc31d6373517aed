# The commands the README gives and CI runs. `make run` and `make test` each set up everything first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-fast lint bench clean setup setup-test system-deps lock

run: setup ## Audit every department under params/ into outputs/
	$(BIN)/audit-toolkit run

test: setup-test system-deps ## The full test suite: package tests, notebooks (nbval), browser tests
	$(BIN)/python -m pytest

test-fast: setup-test ## Package tests only, no browser
	$(BIN)/python -m pytest -m "not browser"

LINTED := toolkit tests benchmarks

lint: setup-test ## Formatting, lint rules and types (ruff and mypy, configured in pyproject.toml); CI runs it before the tests
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy toolkit

bench: setup ## Speed targets, measured (not part of the tests); run on an otherwise idle machine
	$(BIN)/python benchmarks/score_10k.py
	$(BIN)/python benchmarks/run_40.py
	$(BIN)/python benchmarks/summary_2000.py
	$(BIN)/python benchmarks/webfont_cut.py
	$(BIN)/python benchmarks/warm_kernels.py

setup: $(STAMP)

setup-test: $(TEST_STAMP)

# The virtual environment, installed from the runtime lock (only what running needs) so every machine gets the same
# versions. `pip check` fails the set-up if the lock ever stops being closed. pip compiles no editable install: the
# toolkit's bytecode is compiled here, or with bytecode writing off (PYTHONDONTWRITEBYTECODE) every process of a run
# compiles it again. toolkit/__init__.py holds the version the package metadata is made from.
$(STAMP): pyproject.toml requirements.lock toolkit/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name audit-toolkit --display-name "绩效审计工具包 (Python 3)" >/dev/null
	$(BIN)/python -m toolkit.report.webfont >/dev/null
	$(BIN)/python -m compileall -q toolkit >/dev/null
	touch $(STAMP)

# Tests and lint add the test lock (pytest, nbval, playwright, ruff, mypy, uv…) on top of the runtime lock.
$(TEST_STAMP): $(STAMP) requirements-test.lock
	$(PIP) -r requirements-test.lock
	touch $(TEST_STAMP)

# Rewrites both locks from pyproject.toml, keeping the versions already pinned (see scripts/lock.sh). Run it after
# changing a dependency range; `scripts/lock.sh --upgrade-package NAME` moves one package to its newest version.
# Only uv is needed (pinned in the test lock): a pyproject.toml ahead of the locks cannot pass the set-up's pip check.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(PIP) "$$(grep '^uv==' requirements-test.lock)"
	scripts/lock.sh

# Debian packages the browser tests need (headless Chromium); installs them when missing.
system-deps:
	@scripts/system-deps.sh

clean:
	rm -rf $(VENV) .pytest_cache
	find outputs -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
