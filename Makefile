# Dépêche: the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Test processes (pytest-xdist): two for the two cores of the project's machines.
TEST_PROCESSES ?= 2

.PHONY: run test nightly fuzz lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/depeche run

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_PROCESSES)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Reliability T2/T3: P1-P3 with 10,000 examples each, then the slow tests (3 chaos seeds x 50
# SIGKILLs, the long loop-lag and summary-fault runs). About 40 minutes on 2 cores.
nightly: $(STAMP)
	$(PY) -m pytest -m property --hypothesis-profile=nightly
	$(PY) -m pytest -m slow

# Reliability T6 (optional): HypoFuzz, coverage-guided, over the @given property tests for
# FUZZ_MINUTES (75 = 30 min for each of the 5 targets on 2 processes); its corpus stays in
# tests/fixtures/fuzz between runs. Then the tests replay that corpus: a crash found fails here.
FUZZ_MINUTES ?= 75
fuzz: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,fuzz]'
	timeout --signal=INT $(FUZZ_MINUTES)m $(VENV)/bin/hypothesis fuzz --no-dashboard -n 2 -- \
		-m property --hypothesis-profile=fuzz || [ $$? -eq 124 ]
	$(PY) -m pytest -m property --hypothesis-profile=fuzz

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m benchmarks.summaries ../shared/eval/dev.jsonl

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
