"""docs/integrators.md stays true to the code it describes."""

from __future__ import annotations

import ast
import inspect
import re

from shared.events import consumer
from shared.events.contracts import CONTRACTS
from tests.docs.node import REPO

GUIDE = (REPO / "docs" / "integrators.md").read_text()


def _topic_rows() -> dict[str, tuple[set[str], str]]:
    rows = {}
    for line in GUIDE.splitlines():
        match = re.fullmatch(r"\| `([a-z_]+\.[a-z_]+)` \| (.+) \| `([a-z_]+)` \|", line)
        if match:
            rows[match[1]] = (set(re.findall(r"`([a-z_]+\.v\d+)`", match[2])), match[3])
    return rows


def test_the_topic_table_lists_every_topic_type_and_key() -> None:
    expected: dict[str, tuple[set[str], str]] = {}
    for type_, contract in CONTRACTS.items():
        types, _ = expected.setdefault(contract.topic, (set(), contract.key_field))
        types.add(type_.removeprefix(contract.topic + "."))
    assert _topic_rows() == expected


def test_the_dead_letter_headers_are_the_ones_the_consumer_writes() -> None:
    written = set(re.findall(r'\("(dlq\.[a-z]+)"', inspect.getsource(consumer.Consumer)))
    documented = set(re.findall(r"^\| `(dlq\.[a-z]+)` \|", GUIDE, re.MULTILINE))
    assert written and documented == written
    kinds = set(re.findall(r'"(malformed|contract|handler)"\)', inspect.getsource(consumer)))
    assert kinds == {"malformed", "contract", "handler"}
    assert all(f"`{kind}`" in GUIDE for kind in kinds)


def test_the_python_examples_are_valid_python() -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, re.DOTALL)
    assert blocks
    for block in blocks:
        ast.parse(block)
