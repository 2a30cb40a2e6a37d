# HMIS Desktop — `make run` opens the app on a demo clinic; `make test` runs lint, types and the whole suite.
# Both create .venv on first use. Python >= 3.12 is preferred (PySide6 6.12 is unsafe on 3.11: see
# shared/STACK-NOTES.md); on 3.11 pyproject pins PySide6 below 6.12.

PYTHON ?= $(shell for c in python3.12 python3.13 $$(ls -d $$HOME/.pyenv/versions/3.1[23]*/bin/python3 2>/dev/null) python3; do \
	  $$c -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1 && { echo $$c; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PROFILE ?= $(CURDIR)/.demo-profile

.PHONY: run test lint typecheck pytest screenshots bench clean demo

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m ui.app --profile "$(DEMO_PROFILE)" --demo

demo: $(STAMP)
	$(BIN)/hmis-desktop --profile "$(DEMO_PROFILE)" demo --patients 300

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen ./tests/with-keyring $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots resources/screenshots

bench: $(STAMP)
	$(BIN)/python bench/bench_store.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
