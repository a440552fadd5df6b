"""Schemathesis set-up shared by the hardening tests: which schema, how much data, which checks.

Each service's OpenAPI document is built from the code at collection time (as
tools/openapi/export.py builds docs/openapi/<svc>.json), so every operation is its own test.
Every generated case, valid (positive) or not (negative), is sent once with each caller's
token, and every answer must: not be a 5xx, use a status code and content type the operation
declares, match the declared response schema and carry the declared headers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from functools import cache
from types import ModuleType

import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from shared.testing.workers import REPO
from tests.hardening.live import LiveApi

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
# Fixed seed and derandomised generation: CI fuzzes the same cases on every run. Set
# HARDENING_MAX_EXAMPLES higher (and HARDENING_SEED to something else) for a deeper local run.
SEED = int(os.environ.get("HARDENING_SEED", "20090401"))
MAX_EXAMPLES = int(os.environ.get("HARDENING_MAX_EXAMPLES", "25"))
# A file to append `[service, operation, caller, real ids?, status]` lines to: how deep the
# fuzzer got (e.g. how many cases got past 404).
TRACE = os.environ.get("HARDENING_TRACE")


def config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        # The server is a separate process: slow answers are its business, not Hypothesis's.
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "request-timeout": 60,
        # No broker runs here, so readiness answers its declared 503 (Kafka unreachable).
        "operations": [{"include-path": "/readyz", "checks": {
            "not_a_server_error": {"expected-statuses": ["2xx", "4xx", "503"]}}}],
    })


@cache
def _load_export() -> ModuleType:
    path = REPO / "tools" / "openapi" / "export.py"
    spec = importlib.util.spec_from_file_location("openapi_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def load(service: str) -> OpenApiSchema:
    """`service`'s OpenAPI document, as its app serves it, as a Schemathesis schema."""
    return schemathesis.openapi.from_dict(_load_export().spec(service), config=config())


def exercise(api: LiveApi, case: schemathesis.Case) -> None:
    """Send `case` as each of the service's callers and validate every answer; then again
    with the ids of real resources in its path, when the fixture knows some."""
    variants = [case]
    known = {name: api.known[name] for name in case.path_parameters if name in api.known}
    if known:
        real = case.derive()
        real.path_parameters.update(known)
        variants.append(real)
    for variant in variants:
        for caller, headers in api.callers.items():
            response = variant.call_and_validate(base_url=api.url, session=api.http,
                                                 headers=headers)
            if TRACE:
                with open(TRACE, "a") as trace:
                    trace.write(json.dumps([api.service, case.operation.label, caller,
                                            variant is not case, response.status_code]) + "\n")
