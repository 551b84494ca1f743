# Developer entry points; `make check` runs before every commit.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install lint typecheck test check bench

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'

lint:
	$(VENV)/bin/ruff check bot retrieval tests benchmarks
	$(VENV)/bin/ruff format --check bot retrieval tests benchmarks

typecheck:
	$(VENV)/bin/mypy

test:
	$(VENV)/bin/pytest

check: lint typecheck test

bench:
	$(PY) benchmarks/run.py
