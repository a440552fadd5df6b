"""Sign-off of requests: who may decide, in which order, refusals, repeats, snapshots."""

from __future__ import annotations

import pytest

from services.procurement.signoff.models import Signoff
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    World,
    count,
    is_problem,
    ok,
    outbox_payloads,
    raise_request,
    sign,
)


def decision(request: dict[str, object], role: str, outcome: str = "approved",
             reason: str = "") -> dict[str, object]:
    return {"role": role, "decision": outcome, "reason": reason,
            "content_hash": request["content_hash"]}


class TestWhoMaySignOff:
    @pytest.mark.parametrize(("who", "role"), [
        ("other_sha_admin", "sha"), ("pct_commissioner", "sha"), ("own_sha_assessor", "sha"),
        ("dg", "sha"), ("sha_admin", "dg_commissioning"), ("doh_admin", "dg_commissioning"),
        ("nhscb_admin", "dg_commissioning"),
    ])
    async def test_anyone_but_the_named_approver_gets_403(
            self, proc: ServiceHarness, world: World, who: str, role: str) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        headers = {
            "other_sha_admin": world.sha_admin(world.other_sha),
            "pct_commissioner": world.commissioner(),
            "own_sha_assessor": world.headers(world.sha, "sha_assessor"),
            "dg": world.dg(), "sha_admin": world.sha_admin(), "doh_admin": world.doh_admin(),
            "nhscb_admin": world.headers(world.nhscb, "nhscb_admin"),
        }[who]
        response = await proc.client.post(f"/requests/{request['id']}/signoffs",
                                          headers=headers, json=decision(request, role))
        assert is_problem(response, 403), response.text
        assert await count(proc.session, Signoff) == 0
        assert await outbox_payloads(proc.session, "procurement.signoff.decided.v1") == []

    async def test_another_shas_admin_is_told_only_the_pcts_own_sha_can(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        response = await proc.client.post(f"/requests/{request['id']}/signoffs",
                                          headers=world.sha_admin(world.other_sha),
                                          json=decision(request, "sha"))
        assert "only the PCT's own SHA" in response.json()["detail"]

    async def test_a_signoff_the_request_does_not_need_is_refused(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        response = await sign(proc.client, world, request, "doh_joint_venture")
        assert is_problem(response, 409)
        assert "needs no doh_joint_venture sign-off" in response.json()["detail"]


class TestDecisions:
    async def test_each_decision_records_who_when_why_and_what(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        headers = world.headers(world.sha, "sha_admin", subject="user:q31-chief")
        ok(await proc.client.post(f"/requests/{request['id']}/signoffs", headers=headers,
                                  json=decision(request, "sha", reason="Fits our plan")))
        [recorded] = ok(await proc.client.get(f"/requests/{request['id']}/signoffs",
                                              headers=world.commissioner()))
        assert recorded["decided_by"] == "user:q31-chief"
        assert recorded["decided_at"] == "2008-06-02T09:00:00Z"
        assert recorded["decision"] == "approved" and recorded["reason"] == "Fits our plan"
        assert recorded["snapshot"]["justification"] == END_TO_END["justification"]
        assert recorded["content_hash"] == request["content_hash"]

    async def test_a_refusal_ends_the_request(self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        refused = ok(await sign(proc.client, world, request, "sha", "refused",
                                "A macro package would meet the need"))
        assert refused["status"] == "refused"
        assert refused["approvals"][1]["reason"] == "A macro package would meet the need"
        later = await sign(proc.client, world, request, "dg_commissioning")
        assert is_problem(later, 409)
        assert "refused" in later.json()["detail"]

    async def test_a_refusal_must_give_its_reason(self, proc: ServiceHarness,
                                                  world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        response = await sign(proc.client, world, request, "sha", "refused", "  ")
        assert is_problem(response, 422)
        assert await count(proc.session, Signoff) == 0

    async def test_approving_the_same_content_twice_changes_nothing(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        first = ok(await sign(proc.client, world, request, "sha"))
        again = ok(await sign(proc.client, world, request, "sha"))
        assert again["version"] == first["version"]
        assert await count(proc.session, Signoff) == 1
        assert len(await outbox_payloads(proc.session, "procurement.signoff.decided.v1")) == 1

    async def test_an_approval_after_a_refusal_of_the_other_role_is_refused(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        ok(await sign(proc.client, world, request, "dg_commissioning"))
        ok(await sign(proc.client, world, request, "sha", "refused", "Not exceptional"))
        current = ok(await proc.client.get(f"/requests/{request['id']}",
                                           headers=world.commissioner()))
        assert current["status"] == "refused"
        assert [a["status"] for a in current["approvals"]] == ["approved", "refused"]
