"""Deny by default: role x relation x endpoint, on PCT A1's assessment (SHA A).

Relations: the PCT itself (a commissioner, and an assessor of A1 whom the lead seats on A1's
panel under A2's name by mistake); a peer assessor from PCT A2 once on A1's panel; another
SHA's PCT (B1); A1's own SHA (A); another SHA (B); DoH and NHS CB (national); a supplier
(unrelated). 404 = may not see it at all; 403 = may see it but not do that.

The issue's rulings: published results are visible to the PCT, its SHA, DoH and NHS CB (not
to the peers who sat on the panel); league tables (and their changes) to SHAs, for their
region, and DoH (not NHS CB, not PCTs).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import (
    WORLD,
    YEAR_1,
    Api,
    World,
    lead_subject,
    peer_subject,
    rag,
    sub_levels,
)

W = WORLD
OWN_ASSESSOR = "user:a1-assessor"
PERSONAS: dict[str, tuple[str, str, tuple[str, ...], str | None]] = {
    "own_commissioner": (W.pct_a1, "PCT", ("pct_commissioner",), None),
    "own_assessor": (W.pct_a1, "PCT", ("sha_assessor",), OWN_ASSESSOR),
    "peer": (W.pct_a2, "PCT", ("sha_assessor",), peer_subject(W.pct_a2)),
    "other_pct_commissioner": (W.pct_b1, "PCT", ("pct_commissioner",), None),
    "sha_lead": (W.sha_a, "SHA", ("sha_assessor",), lead_subject(W.sha_a)),
    "sha_admin": (W.sha_a, "SHA", ("sha_admin",), None),
    "other_sha_assessor": (W.sha_b, "SHA", ("sha_assessor",), lead_subject(W.sha_b)),
    "other_sha_admin": (W.sha_b, "SHA", ("sha_admin",), None),
    "doh_admin": (W.doh, "DOH", ("doh_admin",), None),
    "nhscb": (W.nhscb, "NHSCB", ("nhscb_analyst",), None),
    "supplier": ("org-supplier", "SUPPLIER", ("supplier_bidder",), None),
}
ORDER = list(PERSONAS)
EVIDENCE = {"sub_competency": "1.1", "title": "Strategic plan", "media_type": "text/plain",
            "content_base64": base64.b64encode(b"plan").decode()}
OUTCOMES = {"outcomes": [{"metric": "teenage_pregnancy", "baseline_year": "2007/08",
                          "baseline": "45", "targets": ["43", "41", "39", "37", "35"],
                          "actual": "44"}]}
NOT_ON_PUBLISHED = [200, 200, 404, 404, 200, 200, 404, 404, 200, 200, 404]  # peers lose sight
LEAGUE = [403, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]  # SHAs and DoH only

# endpoint: (stage it needs, method, url, body, statuses in ORDER)
MATRIX: dict[str, tuple[str, str, str, Any, list[int]]] = {
    "read_draft": ("draft", "GET", "/assessments/{aid}", None,
                   [200, 200, 404, 404, 200, 200, 404, 404, 200, 404, 404]),
    "history": ("draft", "GET", "/assessments/{aid}/history", None,
                [200, 200, 404, 404, 200, 200, 404, 404, 200, 404, 404]),
    "read_on_panel": ("panel", "GET", "/assessments/{aid}", None,
                      [200, 200, 200, 404, 200, 200, 404, 404, 200, 404, 404]),
    "read_published": ("published", "GET", "/assessments/{aid}", None, NOT_ON_PUBLISHED),
    "history_published": ("published", "GET", "/assessments/{aid}/history", None,
                          NOT_ON_PUBLISHED),
    "profile_svg": ("published", "GET", "/assessments/{aid}/profile.svg", None,
                    NOT_ON_PUBLISHED),
    "edit": ("draft", "PATCH", "/assessments/{aid}/self-assessment",
             {"sub_competencies": {"1.1": 3}},
             [200, 403, 403, 404, 403, 403, 403, 403, 403, 403, 403]),
    "evidence": ("draft", "POST", "/assessments/{aid}/evidence", EVIDENCE,
                 [201, 403, 403, 404, 403, 403, 403, 403, 403, 403, 403]),
    "outcomes": ("draft", "PUT", "/assessments/{aid}/outcomes", OUTCOMES,
                 [200, 403, 403, 404, 403, 403, 403, 403, 403, 403, 403]),
    "evidence_list": ("panel", "GET", "/assessments/{aid}/evidence", None,
                      [200, 200, 200, 404, 200, 200, 404, 404, 200, 404, 404]),
    "evidence_download": ("panel", "GET", "/assessments/{aid}/evidence/{eid}/content", None,
                          [200, 200, 200, 404, 200, 200, 404, 404, 200, 404, 404]),
    "evidence_download_published": ("published", "GET",
                                    "/assessments/{aid}/evidence/{eid}/content", None,
                                    NOT_ON_PUBLISHED),
    "submit": ("self_assessed", "POST", "/assessments/{aid}/submission", None,
               [200, 403, 403, 404, 403, 403, 403, 403, 403, 403, 403]),
    "convene": ("submitted", "POST", "/assessments/{aid}/panel", {"peers": []},
                [403, 403, 404, 403, 200, 403, 404, 403, 403, 403, 403]),
    "score": ("panel", "PATCH", "/assessments/{aid}/panel-scores",
              {"sub_competencies": {"1.1": 2}},
              [403, 403, 200, 403, 200, 403, 404, 403, 403, 403, 403]),
    "complete": ("panel_rated", "POST", "/assessments/{aid}/panel-completion", None,
                 [403, 403, 403, 403, 200, 403, 404, 403, 403, 403, 403]),
    "regional": ("panel_scored", "POST", "/assessments/{aid}/regional-calibration", {},
                 [403, 403, 403, 403, 403, 200, 403, 404, 403, 403, 403]),
    "national": ("regionally_calibrated", "POST", "/assessments/{aid}/national-calibration",
                 {}, [403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
    "publish": ("nationally_calibrated", "POST", "/assessments/{aid}/publication", None,
                [403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
    "league": ("published", "GET", "/cycles/{cid}/league", None, LEAGUE),
    "league_csv": ("published", "GET", "/cycles/{cid}/league.csv", None, LEAGUE),
    "changes": ("published", "GET", "/cycles/{cid}/changes", None, LEAGUE),
    "distributions": ("published", "GET", "/cycles/{cid}/distributions", None,
                      [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403]),
    "distributions_region": ("published", "GET", f"/cycles/{{cid}}/distributions?sha_id={W.sha_a}",
                             None, [404, 404, 404, 404, 200, 200, 404, 404, 200, 200, 403]),
    "decision": ("published", "GET", "/autonomy-decisions/{did}", None,
                 [200, 200, 404, 404, 200, 200, 404, 404, 200, 200, 404]),
    "revoke": ("published", "POST", "/autonomy-decisions/{did}/revocation",
               {"reason": "other", "effective_on": "2009-06-01"},
               [403, 403, 403, 403, 403, 200, 403, 404, 403, 403, 403]),
    "oversight": ("published", "GET", f"/shas/{W.sha_a}/oversight-schedule?from=2009-04-01",
                  None, [404, 404, 404, 404, 200, 200, 404, 404, 200, 200, 404]),
}
# Why the answer is what it is, where another rule would give the same status.
DETAILS = {
    ("score", "own_assessor"): "nobody scores their own organisation",
    ("complete", "own_assessor"): "nobody scores their own organisation",
    ("score", "other_pct_commissioner"): "your roles do not allow this action",
    ("league", "nhscb"): "your roles do not allow this action",
    ("changes", "own_assessor"): "league tables are for SHAs (their own region) and the "
                                 "Department of Health",
}
STAGES = ["draft", "self_assessed", "submitted", "panel", "panel_rated", "panel_scored",
          "regionally_calibrated", "nationally_calibrated", "published"]


async def prepare(api: Api, world: World, stage: str) -> dict[str, str]:
    """PCT A1's assessment taken to `stage`; ids for the URL templates."""
    cycle = await api.open_cycle()
    aid = await api.assessment_id(cycle["id"], world.pct_a1)
    evidence = await api.call("POST", f"/assessments/{aid}/evidence",
                              api.commissioner(world.pct_a1), EVIDENCE, expect=201)
    steps = {
        "self_assessed": ("PATCH", "self-assessment", api.commissioner(world.pct_a1),
                          {"sub_competencies": sub_levels(YEAR_1, 2)}),
        "submitted": ("POST", "submission", api.commissioner(world.pct_a1), None),
        # A1's own assessor is seated too, under A2's name: convening cannot tell (no user
        # directory), so the own-organisation rule must hold on the token at scoring time.
        "panel": ("POST", "panel", api.lead(world.sha_a), {"peers": [
            {"subject": peer_subject(world.pct_a2), "organisation_id": world.pct_a2},
            {"subject": OWN_ASSESSOR, "organisation_id": world.pct_a2}]}),
        "panel_rated": ("PATCH", "panel-scores", api.lead(world.sha_a),
                        {"sub_competencies": sub_levels(YEAR_1, 2), "governance": rag("GGG")}),
        "panel_scored": ("POST", "panel-completion", api.lead(world.sha_a), None),
        "regionally_calibrated": ("POST", "regional-calibration", api.sha_admin(world.sha_a),
                                  {}),
        "nationally_calibrated": ("POST", "national-calibration", api.doh(), {}),
        "published": ("POST", "publication", api.doh(), None),
    }
    for name in STAGES[1:STAGES.index(stage) + 1]:
        method, path, who, body = steps[name]
        await api.call(method, f"/assessments/{aid}/{path}", who, body)
    ids = {"cid": cycle["id"], "aid": aid, "did": "", "eid": evidence["id"]}
    if stage == "published":
        page = await api.call("GET", f"/autonomy-decisions?pct_id={world.pct_a1}", api.doh())
        ids["did"] = page["items"][0]["id"]
    return ids


CASES = [(endpoint, persona, statuses[ORDER.index(persona)])
         for endpoint, (_stage, _m, _u, _b, statuses) in MATRIX.items() for persona in ORDER]


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES,
                         ids=[f"{e}-{p}" for e, p, _ in CASES])
async def test_access(api: Api, world: World, assurance: ServiceHarness, endpoint: str,
                      persona: str, expected: int) -> None:
    stage, method, url, body, _ = MATRIX[endpoint]
    ids = await prepare(api, world, stage)
    org_id, org_type, roles, subject = PERSONAS[persona]
    headers = api.as_(org_id, org_type, *roles, subject=subject)
    response = await assurance.client.request(method, url.format(**ids), json=body,
                                              headers=headers)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    if (endpoint, persona) in DETAILS:
        assert response.json()["detail"] == DETAILS[endpoint, persona]


# list: (stage, url); whether each persona (in ORDER) finds A1's rows in it
LISTS: dict[str, tuple[str, str, list[bool]]] = {
    "assessments_on_panel": ("panel", f"/assessments?pct_id={W.pct_a1}",
                             [True, True, True, False, True, True, False, False, True, False,
                              False]),
    "assessments_published": ("published", f"/assessments?pct_id={W.pct_a1}",
                              [True, True, False, False, True, True, False, False, True, True,
                               False]),
    "support_needs": ("published", f"/support-needs?pct_id={W.pct_a1}",
                      [True, True, False, False, True, True, False, False, True, True, False]),
    "decisions": ("published", f"/autonomy-decisions?pct_id={W.pct_a1}",
                  [True, True, False, False, True, True, False, False, True, True, False]),
}
LIST_CASES = [(name, persona, sees[ORDER.index(persona)])
              for name, (_stage, _url, sees) in LISTS.items() for persona in ORDER]


@pytest.mark.parametrize(("listing", "persona", "sees"), LIST_CASES,
                         ids=[f"{n}-{p}" for n, p, _ in LIST_CASES])
async def test_list_scope(api: Api, world: World, listing: str, persona: str,
                          sees: bool) -> None:
    stage, url, _ = LISTS[listing]
    await prepare(api, world, stage)
    org_id, org_type, roles, subject = PERSONAS[persona]
    page = await api.call("GET", url, api.as_(org_id, org_type, *roles, subject=subject))
    assert {item["pct_id"] for item in page["items"]} == ({world.pct_a1} if sees else set())
    assert (page["total"] > 0) == sees


class TestListsAreScoped:
    async def test_each_caller_lists_only_what_it_may_see(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        listed: dict[str, set[str]] = {}
        for persona in ORDER:
            org_id, org_type, roles, subject = PERSONAS[persona]
            page = await api.call("GET", f"/assessments?cycle_id={cycle['id']}",
                                  api.as_(org_id, org_type, *roles, subject=subject))
            listed[persona] = {item["pct_id"] for item in page["items"]}
        assert listed["own_commissioner"] == {world.pct_a1}
        assert listed["other_pct_commissioner"] == {world.pct_b1}
        assert listed["sha_admin"] == {world.pct_a1, world.pct_a2}
        assert listed["other_sha_admin"] == {world.pct_b1}
        assert listed["doh_admin"] == {world.pct_a1, world.pct_a2, world.pct_b1}
        assert listed["nhscb"] == set()  # nothing published yet
        assert listed["supplier"] == set()

    async def test_filters_cannot_widen_the_scope(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        page = await api.call("GET", f"/assessments?pct_id={world.pct_b1}",
                              api.commissioner(world.pct_a1))
        assert (page["total"], page["items"]) == (0, [])
        await api.through(cycle["id"], world.pct_b1, world.sha_b, YEAR_1, 2)
        for url in (f"/support-needs?pct_id={world.pct_b1}",
                    f"/autonomy-decisions?pct_id={world.pct_b1}"):
            hidden = await api.call("GET", url, api.sha_admin(world.sha_a))
            assert hidden["total"] == 0
            shown = await api.call("GET", url, api.sha_admin(world.sha_b))
            assert shown["total"] >= 1
