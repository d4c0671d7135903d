# The two commands of the README contract: `make demo` and `make test`.
# Both create or reuse .venv, install the package with its dev extra, install
# the missing system packages (prometheus, nginx), then run.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit crds system-deps venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing rollout-engine and its dev tools into $(VENV) (log: $(VENV)/pip.log)"
	@$(BIN)/python -m pip install -q --upgrade pip > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@$(BIN)/python -m pip install -q -e '.[dev]' >> $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@touch $(STAMP)

system-deps:
	@sh scripts/ensure-system-deps.sh

demo: venv system-deps
	$(BIN)/rollout-engine demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

unit: venv system-deps
	$(BIN)/python -m pytest

test: venv system-deps lint typecheck unit

crds: venv
	$(BIN)/python -m rollout_engine.api.crdgen deploy/crds

bench: venv system-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
