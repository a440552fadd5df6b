"""The people and organisations of the end-to-end journey, and what they expect to see."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

from tests.e2e.people import Api, Person

YEAR_1, YEAR_2 = "2008/09", "2009/10"
NEW_PASSWORD = "journey-test-password-2009"  # a throwaway test password
# 5NT's levels per scored competency of Year 1: its own view, the panel's, and after the SHA
# moderated competency 4 up. 5, 6 and 7 stay below the target level 3: support needs.
SELF = {"1": 3, "2": 3, "3": 3, "4": 3, "5": 3, "6": 2, "7": 2, "8": 3, "9": 3, "10": 3}
PANEL = {**SELF, "4": 2, "5": 2}
FINAL = {**PANEL, "4": 3}
GOVERNANCE = {"strategy": "GREEN", "finance": "GREEN", "board": "AMBER"}
# (competency, name, form, grouping, package type, evidence gap): the framework's support
# mapping; 5 was met in the PCT's own view (a gap in evidence, not capability); 5 and 6 share a
# grouping (a macro package).
SUPPORT_NEEDS = [
    ("5", "Manage knowledge and assess needs", "assurance_presentation_advice",
     "assessment_and_planning", "macro", True),
    ("6", "Prioritise investment", "analytical_tools", "assessment_and_planning", "macro",
     False),
    ("7", "Stimulate the market", "strategy_development", "contracting_and_procurement",
     "micro", False),
]
BUSINESS_CASE = ("Our 2008/09 assurance panel rated three competencies below level 3 and our "
                 "commissioning directorate cannot close those gaps alone this year.")
JUSTIFICATION = ("Exceptional circumstances: the PCT lost eleven of its fourteen commissioning "
                 "staff in the 2006 merger and the SHA's turnaround plan requires a complete "
                 "external package while a new team is recruited and trained.")
ANSWERS = {"approach": "Joint needs assessment, then a two-year commissioning plan",
           "capability": "A team of twelve with PCT commissioning experience",
           "outcomes": "Competencies 5 to 7 at level 3 by the 2010/11 panel"}
POPULATION = 440_000  # people the PCT commissions for
WAIT = 180  # seconds for news to travel between services on a busy two-core machine


@dataclass
class Journey:
    """The four APIs, the people using them, and what the journey has made so far."""

    identity: Api
    assurance: Api
    procurement: Api
    market: Api
    demo_password: str
    people: dict[str, Person] = field(default_factory=dict)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, username: str) -> Person:
        return self.people[username]

    def sign_in(self, username: str, password: str | None = None) -> Person:
        self.people[username] = Person(self.identity.client, username,
                                       password or self.demo_password)
        return self.people[username]

    def org(self, code: str) -> str:
        return str(self.orgs[code]["id"])


def journey(clients: dict[str, httpx.AsyncClient], demo_password: str) -> Journey:
    api = {name: Api(name, client) for name, client in clients.items()}
    return Journey(api["identity"], api["assurance"], api["procurement"], api["market"],
                   demo_password=demo_password)


@contextmanager
def step(title: str) -> Iterator[None]:
    """One step of the journey: named in any failure, timed in the output (pytest -s)."""
    began = time.monotonic()
    print(f"\n>> {title}", flush=True)
    try:
        yield
    except Exception as exc:
        exc.add_note(f"in the journey's step: {title}")
        raise
    print(f"   done in {time.monotonic() - began:.1f}s", flush=True)


def cycle_body(year: str, opens_on: str) -> dict[str, str]:
    start = int(year[:4])
    return {"year": year, "opens_on": opens_on, "self_assessment_due": f"{start}-09-30",
            "panel_from": f"{start}-10-01", "panel_to": f"{start + 1}-01-31",
            "publication_on": f"{start + 1}-03-31"}


def sub_levels(framework: dict[str, Any], levels: dict[str, int]) -> dict[str, int]:
    """Each scored competency's sub-competencies, all at the competency's level."""
    return {sub["code"]: levels[competency["code"]]
            for competency in framework["competencies"] if competency["scored"]
            for sub in competency["sub_competencies"]}


def levels_of(assessment: dict[str, Any]) -> dict[str, int | None]:
    return {c["code"]: c["level"] for c in assessment["competencies"] if c["scored"]}


def day(value: str) -> date:
    return datetime.fromisoformat(value).date()
