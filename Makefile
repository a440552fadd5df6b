# NHS commissioning platform: developer entry points. `make help` lists them.
# Every target that runs Python first makes (or updates) the virtualenv .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := identity assurance procurement market
MYPY_PATHS := shared services $(wildcard bench)
# Extra arguments: `make test PYTEST_ARGS="-x tests/shared"`, `make bench BENCH_ARGS="--only relay"`.
PYTEST_ARGS ?=
BENCH_ARGS ?=

export VENV

.PHONY: help venv run test lint migrate bench clean distclean

help: ## list the targets
	@echo "make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-10s %s\n", $$1, $$2 }'
	@echo ""
	@echo "Variables: PYTEST_ARGS, BENCH_ARGS, PYTHON (interpreter for a new .venv),"
	@echo "IDENTITY_PORT/ASSURANCE_PORT/PROCUREMENT_PORT/MARKET_PORT (make run: 8001-8004),"
	@echo "KAFKA_BOOTSTRAP_SERVERS (use that broker, start none). See README.md and"
	@echo "docs/configuration.md."

venv: $(STAMP) ## create or update .venv (pip install -e '.[dev]' when pyproject.toml changed)
	@:

$(STAMP): pyproject.toml
	@deploy/venv.sh

run: $(STAMP) ## migrate, seed, start Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set) and all APIs + workers
	@exec deploy/run.sh

test: $(STAMP) ## run the whole test suite (starts PostgreSQL and Kafka itself)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check + mypy
	@status=0; \
	echo "+ ruff check ."; $(PY) -m ruff check . || status=1; \
	echo "+ mypy $(MYPY_PATHS)"; $(PY) -m mypy $(MYPY_PATHS) || status=1; \
	exit $$status

migrate: $(STAMP) ## apply every service's database migrations
	@for svc in $(SERVICES); do $(PY) -m services.$$svc.cli migrate; done

bench: $(STAMP) ## run the benchmarks (writes bench/results/latest.json)
	$(PY) -m bench $(BENCH_ARGS)

clean: ## remove var/ (databases, broker data) and caches; keeps .venv and .cache/kafka
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -path ./.cache -prune -o -name __pycache__ -type d -prune \
		-exec rm -rf {} +

distclean: clean ## clean, and remove .venv too (still keeps the Kafka jars in .cache/kafka)
	rm -rf $(VENV) *.egg-info
