"""Reading what a service exposes to Prometheus, in tests."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample `name` whose labels include `labels`; None when absent."""
    found = [s.value for family in text_string_to_metric_families(text) for s in family.samples
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1, f"{len(found)} samples of {name} match {labels}"
    return found[0] if found else None


def label_values(text: str) -> set[str]:
    """Every label value of every sample."""
    return {value for family in text_string_to_metric_families(text)
            for s in family.samples for value in s.labels.values()}


def exposed_names(text: str) -> dict[str, set[str]]:
    """Each series name a query can use (histograms' _bucket/_sum/_count, counters' _total),
    declared families included even before their first sample, with its label names."""
    suffixes = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("_total",),
                "summary": ("_sum", "_count")}
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        labels = {label for s in family.samples for label in s.labels}
        for suffix in suffixes.get(family.type, ("",)):
            names.setdefault(family.name + suffix, set()).update(labels)
    return names


async def scrape(url: str, **client: Any) -> str:
    """GET `url` (a /metrics endpoint) and return the exposition; fails on anything but 200."""
    async with httpx.AsyncClient(timeout=10, **client) as http:
        response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text
