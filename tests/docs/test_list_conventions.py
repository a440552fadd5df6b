"""The list conventions of docs/api-conventions.md hold in every service's OpenAPI document.

- every paged endpoint in the "paged endpoints" table exists, answers a `Page` and takes
  exactly the filters the table lists, plus `limit` and `offset`;
- every operation that answers a `Page` is in that table (so a new list cannot go
  undocumented) and takes `limit` (1-500, default 50) and `offset` (0-1,000,000, default 0);
- a list that answers a plain JSON array takes neither `limit` nor `offset` (it is whole).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from tests.docs.node import REPO
from tests.docs.test_openapi import export, operations

CONVENTIONS = REPO / "docs" / "api-conventions.md"
TABLE_HEADER = "| endpoint | filters (query parameters) | order |"
PAGE_FIELDS = {"items", "total", "limit", "offset"}
PAGING = {"limit": (1, 500, 50), "offset": (0, 1_000_000, 0)}


@cache
def documented() -> dict[tuple[str, str, str], set[str]]:
    """(service, method, path) -> the filters the table lists."""
    lines = CONVENTIONS.read_text().splitlines()
    start = lines.index(TABLE_HEADER) + 2
    rows: dict[tuple[str, str, str], set[str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        endpoint, filters, _order = (cell.strip() for cell in line.strip("|").split("|"))
        match = re.fullmatch(r"(\w+) `(GET|POST) (\S+)`", endpoint)
        assert match, f"unreadable row of the paged endpoints table: {line}"
        service, method, path = match.groups()
        without_notes = re.sub(r"\([^)]*\)", "", filters)  # "(`person` or `service`)" etc.
        rows[service, method, path] = set(re.findall(r"`([^`]+)`", without_notes))
    return rows


@cache
def document(service: str) -> dict[str, Any]:
    return export.spec(service)


def query_parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def answer(doc: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of the operation's 200 answer, its $ref resolved ({} when none)."""
    schema = (operation.get("responses", {}).get("200", {}).get("content", {})
              .get("application/json", {}).get("schema", {}))
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return dict(schema)


def is_page(schema: dict[str, Any]) -> bool:
    return set(schema.get("properties", {})) == PAGE_FIELDS


def lists(service: str) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    doc = document(service)
    for method, path, operation in operations(doc):
        yield method, path, operation, answer(doc, operation)


def test_the_table_is_read() -> None:
    rows = documented()
    assert {service for service, _, _ in rows} == set(export.SERVICES)
    assert rows["market", "GET", "/runs"] == {"status", "scenario", "published"}
    assert rows["assurance", "GET", "/cycles"] == set()


@pytest.mark.parametrize(("service", "method", "path"), list(documented()),
                         ids=[f"{s} {m} {p}" for s, m, p in documented()])
def test_each_documented_list_exists_with_its_filters(service: str, method: str,
                                                      path: str) -> None:
    operation = document(service)["paths"].get(path, {}).get(method.lower())
    assert operation is not None, f"{service} has no {method} {path}"
    assert is_page(answer(document(service), operation)), "does not answer a Page"
    assert set(query_parameters(operation)) == documented()[service, method, path] | {
        "limit", "offset"}


@pytest.mark.parametrize("service", export.SERVICES)
def test_every_paged_list_is_documented_and_takes_limit_and_offset(service: str) -> None:
    wrong = []
    for method, path, operation, schema in lists(service):
        if not is_page(schema):
            continue
        if (service, method, path) not in documented():
            wrong.append(f"{method} {path}: answers a Page but is not in the table")
        params = query_parameters(operation)
        for name, (low, high, default) in PAGING.items():
            found = params.get(name, {}).get("schema", {})
            if (found.get("minimum"), found.get("maximum"), found.get("default")) != (
                    low, high, default):
                wrong.append(f"{method} {path}: `{name}` is not {low}-{high}, default "
                             f"{default} ({found or 'missing'})")
    assert wrong == []


@pytest.mark.parametrize("service", export.SERVICES)
def test_a_plain_array_is_whole(service: str) -> None:
    paged = [f"{method} {path}" for method, path, operation, schema in lists(service)
             if schema.get("type") == "array"
             and {"limit", "offset"} & set(query_parameters(operation))]
    assert paged == []
