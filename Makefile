# The two commands of the README: `make dev` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: dev test install lint format sandbox clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml journal_sandbox/pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	# the product with its dev tools, and the emulators (not part of the product's wheel)
	$(PY) -m pip install --quiet -e ".[dev]" -e ./journal_sandbox
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	DAGSTER_HOME=$(DAGSTER_HOME) $(VENV)/bin/journal-pipeline dev

# one worker per core; a module's tests stay on one worker (they share its synced weeks)
PYTEST_ARGS ?= -n auto --dist loadscope --durations=15

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check journal_pipeline journal_sandbox journal_pipeline_tests benchmarks
	$(VENV)/bin/ruff format --check journal_pipeline journal_sandbox journal_pipeline_tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy journal_pipeline

format: $(STAMP)
	$(VENV)/bin/ruff format journal_pipeline journal_sandbox journal_pipeline_tests benchmarks
	$(VENV)/bin/ruff check --fix journal_pipeline journal_sandbox journal_pipeline_tests benchmarks

sandbox: $(STAMP)
	$(VENV)/bin/journal-pipeline sandbox

clean:
	rm -rf $(VENV) .dagster_home .sandbox_state .staging .import_linter_cache
