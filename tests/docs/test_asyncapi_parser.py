"""docs/asyncapi.yaml passes the official AsyncAPI parser (@asyncapi/parser, tools/asyncapi).

The parser validates the document against the AsyncAPI 3.0 schema, resolves every $ref (the
event JSON Schemas under docs/events/ included) and applies its semantic rules (operation
messages must belong to their channel, and so on). Any error-severity diagnostic fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.docs.node import REPO, node, npm_ci

TOOL = REPO / "tools" / "asyncapi"
DOCUMENT = REPO / "docs" / "asyncapi.yaml"


def test_the_official_asyncapi_parser_accepts_docs_asyncapi_yaml() -> None:
    npm_ci(TOOL)
    result = subprocess.run([node(), str(TOOL / "validate.mjs"), str(DOCUMENT)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"@asyncapi/parser rejected docs/asyncapi.yaml:\n{report}"
    assert "OK docs/asyncapi.yaml" in result.stdout, report


def test_the_validator_fails_on_a_broken_document(tmp_path: Path) -> None:
    """The check has teeth: an unknown operation action and a dangling $ref are errors."""
    npm_ci(TOOL)
    (tmp_path / "events").symlink_to(REPO / "docs" / "events")
    broken = DOCUMENT.read_text().replace("action: send", "action: publish", 1)
    broken = broken.replace("./events/", "./events/missing-", 1)
    (tmp_path / "asyncapi.yaml").write_text(broken)
    result = subprocess.run([node(), str(TOOL / "validate.mjs"), str(tmp_path / "asyncapi.yaml")],
                            cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error [asyncapi-document-resolved]" in result.stdout
    assert "error [invalid-ref]" in result.stdout
