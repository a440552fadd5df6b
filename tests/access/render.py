"""Writes docs/access-matrix.md from tests/access/matrix.yaml.

    .venv/bin/python -m tests.access.render            # (re)write the document
    .venv/bin/python -m tests.access.render --check    # exit 1 if the document is stale

tests/access/test_matrix_coverage.py fails when the committed document is not what this writes.
"""

from __future__ import annotations

import argparse
import sys

from tests.access.matrix import REPO, Matrix, Rule, load

OUT = REPO / "docs" / "access-matrix.md"
OUTCOME_TEXT = {"yes": "allowed", "403": "403", "404": "404", "published": "once published",
                "unpublished": "until published", "deny": "403 or 404"}

INTRO = """\
# Access matrix

<!-- Generated from tests/access/matrix.yaml by `python -m tests.access.render`: edit that
file, not this one. tests/access/test_matrix_coverage.py fails when they differ. -->

Who may call which endpoint of the four services, as each role of
`services/identity/reference/roles.yaml` (one column each; `sha_assessor` twice, as it is also
granted to PCT staff who sit on assurance panels as peers), and what each caller sees depending
on how its organisation relates to the organisation whose data it is. Deny by default: a route
that is not listed here fails the tests; so does one whose declared roles disagree with its
cells. Every non-public route answers 401 without a valid token.

A refusal is `403 application/problem+json`; data the caller may not see at all answers `404`
(its existence is not disclosed) and is left out of lists. The probes (`/healthz`, `/readyz`),
`/metrics` and the OpenAPI pages are public and not listed. Roles: [roles.md](roles.md);
errors: [api-conventions.md](api-conventions.md).

The per-service tests check each relation in depth (`tests/identity/test_access_matrix.py`,
`tests/assurance/access/test_access_matrix.py`, `tests/procurement/test_access_matrix.py`,
`tests/market/test_access_matrix.py`); `tests/access/test_matrix_coverage.py` calls every
route as every column through the real apps and checks that the per-service tables agree
with this one.
"""


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _outcomes(rule: Rule, relations: list[str]) -> str:
    named = [f"{rel}: {OUTCOME_TEXT[rule.outcomes[rel]]}" for rel in relations
             if rel in rule.outcomes]
    rest = OUTCOME_TEXT[rule.otherwise]
    return "; ".join([*named, f"otherwise: {rest}"]) if named else rest


def render(matrix: Matrix | None = None) -> str:
    """The whole document."""
    m = matrix or load()
    lines = [INTRO, "## Columns", ""]
    lines += _table(["column", "role", "organisation type", ""],
                    [[f"`{p.id}`", f"`{p.role}`", p.org_type, p.note]
                     for p in m.personas.values()])
    lines += ["", "## Relations", "",
              "How the caller's organisation relates to the organisation whose data it is.", ""]
    lines += _table(["relation", "meaning"],
                    [[f"`{name}`", meaning] for name, meaning in m.relations.items()])
    lines += ["", "## Cells", "",
              "What each cell means, relation by relation (`allowed`: the access rules let the "
              "call through; whatever the request then needs still applies).", ""]
    relations = list(m.relations)
    lines += _table(["cell", "outcome", "meaning"],
                    [[rule.label, _outcomes(rule, relations), rule.note]
                     for rule in m.rules.values()])
    columns = list(m.personas.values())
    for service, routes in m.services.items():
        lines += ["", f"## {service}", "", f"Relation to: {m.about[service]}.", ""]
        lines += _table(["endpoint", *(f"`{p.id}`" for p in columns)],
                        [[f"`{route.key}`", *(m.rule(route, p).label for p in columns)]
                         for route in routes.values()])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when docs/access-matrix.md differs")
    args = parser.parse_args(argv)
    content = render()
    name = OUT.relative_to(REPO)
    if args.check:
        if not OUT.exists() or OUT.read_text() != content:
            print(f"stale: {name}; run `python -m tests.access.render`", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(content)
    print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
