# Loyalty terminal: `make run` and `make test` set everything up first.
#
#   make setup                      system libraries (apt, when root), .venv, pip, .qm files
#   make run                        start the cashier app in demo mode
#   make test                       ruff, mypy, lint-imports, then pytest
#   make test PYTEST_ARGS="-k money" pass arguments to pytest
#   make test LINT=0                pytest only
#   make lint                       ruff, mypy, lint-imports
#   make bench                      benchmarks under tests/bench (not part of `make test`)
#   make clean / make distclean     remove caches / also remove .venv

SHELL := /bin/bash
.DEFAULT_GOAL := help
.NOTPARALLEL:

VENV        := .venv
BIN         := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS  ?=
# Per-test time limit for benchmarks, in seconds (pyproject's 300 s is for the test suite).
BENCH_TIMEOUT ?= 1800
LINT        ?= 1

.PHONY: help setup run test lint bench clean distclean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/loyalty-terminal --demo

test: setup
	@LINT=$(LINT) bash scripts/run-tests.sh $(PYTEST_ARGS)

lint: setup
	@bash scripts/run-tests.sh --lint-only

# test_*.py files under tests/bench run under pytest (with -s, so their numbers show);
# bench_*.py files there are run as plain scripts.
bench: setup
	@if [ ! -d tests/bench ]; then echo "bench: no tests/bench directory yet"; exit 0; fi; \
	export QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen}; \
	rc=0; ran=0; \
	if [ -n "$$(find tests/bench -name 'test_*.py' -print -quit)" ]; then \
		ran=1; echo "==> pytest tests/bench"; \
		$(BIN)/python -m pytest tests/bench -s -o norecursedirs='.* build dist .venv' \
			--timeout=$(BENCH_TIMEOUT) $(BENCH_ARGS) || rc=$$?; \
	fi; \
	for f in tests/bench/bench_*.py; do \
		[ -f "$$f" ] || continue; \
		ran=1; echo "==> python $$f"; \
		$(BIN)/python "$$f" $(BENCH_ARGS) || rc=$$?; \
	done; \
	[ "$$ran" = 1 ] || echo "bench: no test_*.py or bench_*.py in tests/bench yet"; \
	exit $$rc

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf
	find resources -name '*.qm' -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)
