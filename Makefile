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
MYPY_PATHS := shared services $(wildcard bench) tools/openapi/export.py
# Extra arguments: `make test PYTEST_ARGS="-x tests/shared"`, `make bench BENCH_ARGS="--only relay"`.
PYTEST_ARGS ?=
BENCH_ARGS ?=
# `make audit AUDIT_STRICT=1`: also fail when pip-audit could not look a package up.
AUDIT_STRICT ?=
# Node tooling (tools/asyncapi, tools/openapi): `npm ci` from the committed lockfile, rerun only
# when the lockfile changes (its SHA-256 in node_modules/.lock-sha256, as tests/docs/node.py does).
NPM_CI := npm ci --prefer-offline --no-audit --no-fund

export VENV

.PHONY: help venv run test lint audit asyncapi openapi clients migrate bench clean distclean

help: ## list the targets
	@echo "make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-10s %s\n", $$1, $$2 }'
	@echo ""
	@echo "Variables: PYTEST_ARGS, BENCH_ARGS, AUDIT_STRICT=1 (audit: fail on unaudited packages),"
	@echo "PYTHON (interpreter for a new .venv),"
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

audit: $(STAMP) ## pip-audit (the venv's packages) + bandit (shared, services; see [tool.bandit])
	@status=0; report="$$(mktemp)"; trap 'rm -f "$$report"' EXIT; \
	echo "+ pip-audit --skip-editable"; \
	$(PY) -m pip_audit --skip-editable --progress-spinner off --format json \
		--output "$$report" || true; \
	$(PY) -c "$$PIP_AUDIT_SUMMARY" "$$report" "$(AUDIT_STRICT)" || status=1; \
	echo "+ bandit -r shared services -c pyproject.toml"; \
	$(PY) -m bandit -r shared services -c pyproject.toml -q || status=1; \
	exit $$status

asyncapi: tools/asyncapi/node_modules/.lock-sha256 ## check docs/asyncapi.yaml with the official AsyncAPI parser
	node tools/asyncapi/validate.mjs docs/asyncapi.yaml

openapi: $(STAMP) ## write each service's OpenAPI document to docs/openapi/<svc>.json
	$(PY) tools/openapi/export.py

clients: openapi tools/openapi/node_modules/.lock-sha256 ## TypeScript types for each API in clients/ts/<svc>.d.ts
	node tools/openapi/generate.mjs

tools/%/node_modules/.lock-sha256: tools/%/package-lock.json tools/%/package.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18+ and npm" \
		"(Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd tools/$* && SCARF_ANALYTICS=false $(NPM_CI)
	sha256sum $< | cut -d' ' -f1 > $@

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

# Reads pip-audit's JSON report: prints each known vulnerability and how many packages could be
# audited. Fails on a vulnerability, and (AUDIT_STRICT=1) when a package could not be looked up.
define PIP_AUDIT_SUMMARY
import json, sys
path, strict = sys.argv[1], sys.argv[2] == "1"
try:
    deps = json.load(open(path))["dependencies"]
except (OSError, ValueError, KeyError) as exc:
    sys.exit(f"pip-audit: no report ({exc}); see its messages above")
found = [(d, v) for d in deps for v in d.get("vulns", [])]
skipped = [d for d in deps if "skip_reason" in d]
for d, v in found:
    fixed = ", ".join(v.get("fix_versions") or []) or "no fixed release"
    aliases = " ".join(v.get("aliases") or [])
    print(f"  {d['name']} {d['version']}: {v['id']} {aliases} (fixed in {fixed})")
print(f"pip-audit: {len(deps) - len(skipped)} of {len(deps)} packages audited, "
      f"{len(found)} known vulnerabilities")
if skipped:
    print(f"pip-audit: WARNING: {len(skipped)} packages NOT audited, e.g. "
          f"{skipped[0]['skip_reason']}")
sys.exit(1 if found or (strict and skipped) else 0)
endef
export PIP_AUDIT_SUMMARY
