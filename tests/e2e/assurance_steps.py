"""The journey's assurance steps: a WCC cycle from self-assessment to published results,
autonomy and support needs; the next cycle, where procurement's contract is put on record."""

from __future__ import annotations

from typing import Any

from shared.testing.workers import eventually
from tests.e2e.journey import (
    FINAL,
    GOVERNANCE,
    PANEL,
    SELF,
    SUPPORT_NEEDS,
    WAIT,
    YEAR_1,
    YEAR_2,
    Journey,
    cycle_body,
    levels_of,
    sub_levels,
)


async def open_cycle(j: Journey) -> None:
    admin = j["doh.admin"]
    body = cycle_body(YEAR_1, opens_on="2008-06-30")
    pcts = await j.identity.get("/organisations", admin, type="PCT",
                                active_on=body["opens_on"], limit=1)
    cycle = await j.assurance.post("/cycles", admin, body, expect=201)
    assert cycle["framework_version"] == "wcc-2008-09"
    assert cycle["assessments"] == {"draft": pcts["total"]}  # every PCT of identity's directory
    own = await j.assurance.get("/assessments", j["5nt.commissioner"], cycle_id=cycle["id"])
    assert [(a["pct_id"], a["status"]) for a in own["items"]] == [(j.org("5NT"), "draft")]
    j.made["cycle"], j.made["assessment"] = cycle, own["items"][0]["id"]


async def self_assess(j: Journey) -> None:
    pct, aid = j["5nt.commissioner"], j.made["assessment"]
    framework = await j.assurance.get(f"/frameworks/{j.made['cycle']['framework_version']}", pct)
    j.made["framework"] = framework
    await j.assurance.call("PATCH", f"/assessments/{aid}/self-assessment", pct,
                           {"sub_competencies": sub_levels(framework, SELF)})
    submitted = await j.assurance.post(f"/assessments/{aid}/submission", pct)
    assert submitted["status"] == "self_assessment_submitted"
    assert {c["code"]: c["self_level"] for c in submitted["competencies"] if c["scored"]} == SELF


async def panel_scores(j: Journey) -> None:
    lead, peer, aid = j["q31.assessor"], j["e2e.peer"], j.made["assessment"]
    peer_seat = {"subject": await peer.subject(), "organisation_id": j.made["peer_pct"]}
    convened = await j.assurance.post(f"/assessments/{aid}/panel", lead, {
        "peers": [peer_seat], "note": "Panel day, 14 November 2008"})
    assert [(m["role"], m["subject"], m["organisation_id"]) for m in convened["panel"]] == [
        ("lead", await lead.subject(), j.org("Q31")),
        ("peer", peer_seat["subject"], j.made["peer_pct"])]
    await j.assurance.call("PATCH", f"/assessments/{aid}/panel-scores", peer, {
        "sub_competencies": sub_levels(j.made["framework"], PANEL)})
    await j.assurance.call("PATCH", f"/assessments/{aid}/panel-scores", lead, {
        "governance": GOVERNANCE})
    scored = await j.assurance.post(f"/assessments/{aid}/panel-completion", lead,
                                    {"note": "all rated"})
    assert scored["status"] == "panel_scored"
    assert {c["code"]: c["panel_level"] for c in scored["competencies"] if c["scored"]} == PANEL
    assert {f["code"]: f["direction"] for f in scored["flags"] if "." not in f["code"]} == {
        "4": "panel_below_self", "5": "panel_below_self"}


async def calibrate_and_publish(j: Journey) -> None:
    admin, aid = j["doh.admin"], j.made["assessment"]
    regional = await j.assurance.post(f"/assessments/{aid}/regional-calibration",
                                      j["q31.admin"], {
        "competencies": [{"competency": "4", "level": 3,
                          "reason": "clinical engagement evidence seen at moderation"}],
        "in_financial_recovery": False})
    assert regional["status"] == "regionally_calibrated"
    national = await j.assurance.post(f"/assessments/{aid}/national-calibration", admin, {})
    assert national["status"] == "nationally_calibrated"
    await j.assurance.post(f"/assessments/{aid}/publication", admin)
    published = await j.assurance.get(f"/assessments/{aid}", j["5nt.commissioner"])
    assert (published["status"], published["published_on"]) == ("published", "2009-03-31")
    assert levels_of(published) == FINAL
    assert published["governance"] == GOVERNANCE and published["league_score"] > 0
    history = await j.assurance.get(f"/assessments/{aid}/history", j["5nt.commissioner"])
    assert [h["to_status"] for h in history if h["from_status"] != h["to_status"]] == [
        "draft", "self_assessment_submitted", "panel", "panel_scored", "regionally_calibrated",
        "nationally_calibrated", "published"]
    j.made["published"] = published


async def autonomy_and_support(j: Journey) -> None:
    pct, aid = j["5nt.commissioner"], j.made["assessment"]
    decisions = await j.assurance.get("/autonomy-decisions", pct, pct_id=j.org("5NT"))
    [decision] = decisions["items"]
    assert (decision["assessment_id"], decision["tier"]) == (aid, "good_standing")
    assert decision["freedoms"]["financial_autonomy_threshold_pence"] == 25_000_000
    # from publication, through the June 2009 procurement below
    assert decision["valid_from"] == "2009-03-31" and decision["valid_to"] >= "2009-06-30"
    needs = await j.assurance.get("/support-needs", pct, assessment_id=aid)
    assert [(n["competency"], n["competency_name"], n["support_form"], n["grouping"],
             n["package_type"], n["evidence_gap"]) for n in needs["items"]] == SUPPORT_NEEDS
    j.made["decision"] = decision


async def open_next_cycle(j: Journey) -> None:
    admin = j["doh.admin"]
    cycle = await j.assurance.post("/cycles", admin, cycle_body(YEAR_2, opens_on="2009-06-01"),
                                   expect=201)
    own = await j.assurance.get("/assessments", j["5nt.commissioner"], cycle_id=cycle["id"])
    [summary] = own["items"]
    draft = await j.assurance.get(f"/assessments/{summary['id']}", j["5nt.commissioner"])
    assert (draft["status"], draft["cycle_year"]) == ("draft", YEAR_2)
    assert draft["previous_assessment_id"] == j.made["assessment"]
    assert draft["external_support"] == []
    j.made["next_assessment"] = draft["id"]


async def external_support_on_record(j: Journey) -> None:
    pct, contract = j["5nt.commissioner"], j.made["contract"]
    path = f"/assessments/{j.made['next_assessment']}"

    async def recorded() -> list[dict[str, Any]]:
        return list((await j.assurance.get(path, pct))["external_support"])

    [support] = await eventually(recorded, timeout=WAIT, interval=0.5,
                                 message="the contract in the PCT's 2009/10 assessment")
    assert (support["contract_id"], support["supplier_id"], support["package_type"]) == (
        contract["id"], "FESC02", "end_to_end")
    assert (support["value_pence"], support["start_date"], support["end_date"]) == (
        380_000_000, "2009-07-01", "2012-06-30")
    assert sorted(support["groupings"]) == sorted(contract["groupings"])
    history = await j.assurance.get(f"{path}/history", pct)
    assert [h["details"].get("contract_id") for h in history
            if h["action"] == "record_external_support"] == [contract["id"]]
    published = await j.assurance.get(f"/assessments/{j.made['assessment']}", pct)
    assert published["external_support"] == []  # a published result is never changed
