"""The journey's procurement steps: support needs on the dashboard, an end-to-end request and
its sign-offs, a call-off with bids, the award, the contract and its first payment."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.testing.workers import eventually
from tests.e2e.journey import (
    ANSWERS,
    BUSINESS_CASE,
    JUSTIFICATION,
    POPULATION,
    SUPPORT_NEEDS,
    WAIT,
    YEAR_1,
    Journey,
    day,
)
from tests.e2e.people import problem


async def procurement_dashboard(j: Journey) -> None:
    pct = j["5nt.commissioner"]

    async def complete() -> dict[str, Any] | None:
        board: dict[str, Any] = await j.procurement.get(f"/pcts/{j.org('5NT')}/dashboard", pct)
        ready = board["rating"] and board["freedoms"] and len(board["recommendations"]) == 3
        return board if ready else None

    board = await eventually(complete, timeout=WAIT, interval=0.5,
                             message="rating, freedoms and support needs in procurement")
    rating, freedoms = board["rating"], board["freedoms"]
    assert (rating["assessment_id"], rating["cycle_year"], rating["league_score"]) == (
        j.made["assessment"], YEAR_1, j.made["published"]["league_score"])
    assert (freedoms["decision_id"], freedoms["tier"]) == (j.made["decision"]["id"],
                                                           "good_standing")
    assert freedoms["financial_autonomy_threshold_pence"] == 25_000_000
    assert sorted((r["competency"], r["support_form"], r["grouping"], r["package_type"],
                   r["status"]) for r in board["recommendations"]) == [
        (code, form, grouping, package, "open")
        for code, _name, form, grouping, package, _gap in SUPPORT_NEEDS]


async def end_to_end_request(j: Journey) -> None:
    pct = j["5nt.commissioner"]
    framework = await j.procurement.get("/framework", pct)
    services = [s["code"] for g in framework["groupings"] for s in g["services"]]
    body = {"title": "Complete commissioning support", "package_type": "end_to_end",
            "services": services, "business_case": BUSINESS_CASE,
            "estimated_value_pence": 400_000_000}
    unjustified = await j.procurement.request("POST", "/requests", pct, body)
    assert "justification" in str(problem(unjustified, 422)["errors"])
    request = await j.procurement.post("/requests", pct, {**body, "justification": JUSTIFICATION},
                                       expect=201)
    assert (request["status"], request["pct_id"], request["sha_id"]) == (
        "awaiting_signoff", j.org("5NT"), j.org("Q31"))
    assert len(request["groupings"]) == 4 and request["justification"] == JUSTIFICATION
    approvals = {a["role"]: a for a in request["approvals"]}
    assert [(a["role"], a["approver_org_id"], a["status"]) for a in request["approvals"]] == [
        ("dg_commissioning", j.org("DH"), "pending"), ("sha", j.org("Q31"), "pending")]
    # good standing lets the PCT spend up to £250,000 alone; £4m also needs its SHA
    assert any("£250,000.00" in reason for reason in approvals["sha"]["reasons"])
    j.made["request"] = request


async def sign_off(j: Journey) -> None:
    dg, sha, request = j["doh.dg"], j["q31.admin"], j.made["request"]
    waiting = await j.procurement.get("/requests", dg, status="awaiting_signoff")
    assert [r["id"] for r in waiting["items"]] == [request["id"]]
    path = f"/requests/{request['id']}/signoffs"
    request = await j.procurement.post(path, dg, {
        "role": "dg_commissioning", "decision": "approved", "content_hash":
        request["content_hash"], "reason": "exceptional circumstances accepted"})
    assert request["status"] == "awaiting_signoff"
    request = await j.procurement.post(path, sha, {
        "role": "sha", "decision": "approved", "content_hash": request["content_hash"]})
    assert request["status"] == "approved"
    decisions = await j.procurement.get(path, j["5nt.commissioner"])
    assert [(d["role"], d["decision"], d["decided_by"]) for d in decisions] == [
        ("dg_commissioning", "approved", await dg.subject()),
        ("sha", "approved", await sha.subject())]
    j.made["request"] = request


async def mini_competition(j: Journey) -> None:
    pct, request = j["5nt.commissioner"], j.made["request"]
    now = datetime.fromisoformat(request["updated_at"])  # procurement's clock, June 2009
    j.made["bid_deadline"] = now + timedelta(days=2)
    call_off = await j.procurement.post("/call-offs", pct, {
        "request_id": request["id"],
        "clarification_deadline": (now + timedelta(days=1)).isoformat(),
        "bid_deadline": j.made["bid_deadline"].isoformat()}, expect=201)
    assert call_off["invited_supplier_ids"] == ["FESC01", "FESC02", "FESC03", "FESC04"]
    assert (call_off["status"], call_off["bidding_open"]) == ("open", True)
    risk_reward = {"payment_model": "risk_reward", "payment_terms": {
        "base_fee_pence": 30_000_000, "at_risk_percent": "10",
        "kpis": [{"code": "plans_delivered", "weight": 1, "target": "4"}]}}
    offers = {"FESC01": (420_000_000, fixed_fee(420_000_000)),
              "FESC02": (380_000_000, risk_reward),
              "FESC03": (350_000_000, fixed_fee(350_000_000))}
    bids = {}
    for code, (price, terms) in offers.items():
        bidder = j[f"{code.lower()}.bidder"]
        invited = await j.procurement.get("/call-offs", bidder)
        assert [c["id"] for c in invited["items"]] == [call_off["id"]]
        bids[code] = await j.procurement.post(f"/call-offs/{call_off['id']}/bids", bidder, {
            "price_pence": price, "answers": ANSWERS, **terms}, expect=201)
    sealed = await j.procurement.request("GET", f"/call-offs/{call_off['id']}/bids", pct)
    assert "sealed" in problem(sealed, 403)["detail"]
    j.made["call_off"], j.made["bids"] = call_off, bids


def fixed_fee(price: int) -> dict[str, Any]:
    return {"payment_model": "fixed_fee",
            "payment_terms": {"total_fee_pence": price, "instalments": 12}}


async def evaluate_and_award(j: Journey) -> None:
    pct, call_off = j["5nt.commissioner"], j.made["call_off"]
    scores = {"FESC01": (4, 4, 3), "FESC02": (4, 4, 4), "FESC03": (2, 2, 2)}
    for code, (approach, capability, outcomes) in scores.items():
        await j.procurement.call("PUT", f"/bids/{j.made['bids'][code]['id']}/scores", pct, {
            "scores": {"approach": approach, "capability": capability, "outcomes": outcomes}})
    evaluation = await j.procurement.get(f"/call-offs/{call_off['id']}/evaluation", pct)
    # price 40 (cheapest / price); quality 60 (approach 25, capability 20, outcomes 15 of 5)
    assert [(r["supplier_id"], r["total"]) for r in evaluation["ranking"]] == [
        ("FESC02", "84.84"), ("FESC01", "78.33"), ("FESC03", "64.00")]
    awarded = await j.procurement.post(f"/call-offs/{call_off['id']}/award", pct)
    decided = j.made["bid_deadline"].date()
    assert (awarded["status"], awarded["awarded_supplier_id"]) == ("awarded", "FESC02")
    assert (day(awarded["award_decided_on"]), day(awarded["standstill_ends"])) == (
        decided, decided + timedelta(days=10))
    early = await j.procurement.request("POST", f"/call-offs/{call_off['id']}/contract", pct, {
        "start_date": "2009-07-01", "end_date": "2012-06-30"})
    assert "standstill" in problem(early, 409)["detail"]
    j.made["call_off"] = awarded


async def contract_and_payment(j: Journey) -> None:
    pct, supplier, call_off = j["5nt.commissioner"], j["fesc02.bidder"], j.made["call_off"]
    contract = await j.procurement.post(f"/call-offs/{call_off['id']}/contract", pct, {
        "start_date": "2009-07-01", "end_date": "2012-06-30", "population_served": POPULATION},
        expect=201)
    assert (contract["supplier_id"], contract["value_pence"], contract["status"]) == (
        "FESC02", 380_000_000, "awarded")
    assert len(contract["schedule"]) == 12 and contract["schedule"][0]["period"] == "2009-Q3"
    path = f"/contracts/{contract['id']}"
    assert (await j.procurement.post(f"{path}/sign", pct))["status"] == "awarded"
    signed = await j.procurement.post(f"{path}/sign", supplier)
    assert signed["status"] == "signed"
    assert day(signed["signed_on"]) == day(call_off["standstill_ends"]) + timedelta(days=1)
    payment = await j.procurement.post(f"{path}/payments", pct, {
        "period": "2009-Q3", "figures": {"kpis": {"plans_delivered": "3"}}}, expect=201)
    # base fee £300,000; 3 of 4 plans: a quarter of the 10% at risk (£30,000) is withheld
    assert [line["amount_pence"] for line in payment["lines"]] == [30_000_000, -750_000]
    assert payment["amount_pence"] == 29_250_000
    read = await j.procurement.get(path, supplier)
    assert (read["schedule"][0]["status"], read["schedule"][0]["amount_pence"]) == (
        "calculated", 29_250_000)
    others = await j.procurement.get("/contracts", j["fesc01.bidder"])
    assert others["total"] == 0  # a losing supplier sees no one else's contract
    request = await j.procurement.get(f"/requests/{j.made['request']['id']}", pct)
    assert request["status"] == "contracted"
    j.made["contract"] = signed
