# The two commands of the README: `make dev` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: dev test install lint format sandbox clean ui-check browser reliability bench

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

# two workers per core, eight at most: a worker waits on its sandboxes and Dagster processes
# about half the time; a module's tests stay on one worker (they share its synced weeks)
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); w=$$((2 * n)); [ $$w -gt 8 ] && w=8; echo $$w)
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=15

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Headless Chromium for the UI check: Debian's package (Playwright's own download needs the
# internet). Without root it only says what to install; the UI tests then skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	    echo "could not install chromium: the UI tests will skip"; \
	  else echo "no chromium: install Debian's chromium package (the UI tests skip without it)"; fi; }

# The Dagster UI in headless Chromium; the screenshots land in docs/screenshots/.
ui-check: $(STAMP) browser
	UI_CHECK_SCREENSHOTS=docs/screenshots $(PY) -m pytest -v -p no:cacheprovider journal_pipeline_tests/ui

# Faults at scale, killed runs, concurrent runs and outages; writes docs/reliability.md
# (CI runs the reduced size: journal_pipeline_tests/reliability/).
reliability: $(STAMP)
	$(PY) -m benchmarks.reliability --scale full

# Rate-limit load, Jurnal requests per 1,000 orders, a 90-day 10-outlet backfill in both posting
# modes, the transform and the hourly no-op; writes docs/benchmarks.md and docs/benchmarks.json
# (CI runs the reduced size: journal_pipeline_tests/benchmarks/). BENCH_ARGS="--only load" etc.
bench: $(STAMP)
	$(PY) -m benchmarks.bench --scale full $(BENCH_ARGS)

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
