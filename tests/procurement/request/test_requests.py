"""Raising and changing requests: package rules, approvals needed, and what a change voids."""

from __future__ import annotations

from typing import Any

import pytest

from services.procurement.clock import FixedClock
from services.procurement.request.models import ProcurementRequest
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.procurement.helpers import (
    END_TO_END,
    MACRO,
    MICRO,
    START,
    World,
    add_directory,
    count,
    is_problem,
    ok,
    outbox_payloads,
    outbox_types,
    raise_request,
    sign,
)


class TestPackageRules:
    @pytest.mark.parametrize(("changes", "field", "says"), [
        ({"services": ["acute_contract_management", "provider_procurement"]}, "services",
         "a micro package covers exactly one service; 2 given"),
        ({"services": ["brain_surgery"]}, "services", "unknown service 'brain_surgery'"),
        ({"package_type": "macro", "services": ["acute_contract_management", "it_support"],
          "macro_kind": "function"}, "services",
         "a function macro covers related services of one grouping"),
        ({"package_type": "macro", "macro_kind": "service_area",
          "services": ["acute_contract_management", "it_support"]}, "service_area",
         "a service-area macro names its service area"),
        ({**END_TO_END, "justification": "We are short of staff."}, "justification",
         "only in exceptional circumstances"),
        ({**END_TO_END, "services": ["acute_contract_management"]}, "services",
         "an end-to-end package covers every service of every grouping"),
        ({"macro_kind": "function"}, "macro_kind",
         "macro_kind does not apply to a micro package"),
    ], ids=["micro-two-services", "unknown-service", "function-macro-across-groupings",
            "service-area-unnamed", "end-to-end-short-justification", "end-to-end-partial",
            "micro-with-macro-kind"])
    async def test_a_package_breaking_a_rule_is_refused_saying_why(
            self, proc: ServiceHarness, world: World, changes: dict[str, Any], field: str,
            says: str) -> None:
        response = await proc.client.post("/requests", json={**MICRO, **changes},
                                          headers=world.commissioner())
        assert is_problem(response, 422), response.text
        body = response.json()
        assert {"loc": ["body", field], "msg": body["errors"][0]["msg"]} in body["errors"]
        assert any(says in error["msg"] for error in body["errors"])
        assert says in body["detail"]
        assert await count(proc.session, ProcurementRequest) == 0
        assert await outbox_types(proc.session) == []

    async def test_a_valid_macro_package_is_accepted(self, proc: ServiceHarness,
                                                     world: World) -> None:
        request = await raise_request(proc.client, world, MACRO)
        assert request["groupings"] == ["contracting_and_procurement"]
        assert request["status"] == "approved"


class TestApprovalsNeeded:
    async def test_end_to_end_needs_the_director_general_and_the_pcts_own_sha(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        assert [(a["role"], a["approver_org_id"], a["status"]) for a in request["approvals"]] == [
            ("dg_commissioning", world.doh.id, "pending"), ("sha", world.sha.id, "pending")]
        [created] = await outbox_payloads(proc.session, "procurement.request.created.v1")
        assert created["approvals_needed"] == ["dg_commissioning", "sha"]
        requested = await outbox_payloads(proc.session, "procurement.signoff.requested.v1")
        assert [(r["role"], r["approver_org_id"]) for r in requested] == [
            ("dg_commissioning", world.doh.id), ("sha", world.sha.id)]

    @pytest.mark.parametrize(("value", "needs_sha"), [
        (100_000_000, False), (100_000_001, True)], ids=["at-threshold", "above-threshold"])
    async def test_a_value_above_the_threshold_needs_the_sha_without_autonomy(
            self, proc: ServiceHarness, world: World, value: int, needs_sha: bool) -> None:
        request = await raise_request(proc.client, world, MICRO, estimated_value_pence=value)
        assert [a["role"] for a in request["approvals"]] == (["sha"] if needs_sha else [])
        assert request["status"] == ("awaiting_signoff" if needs_sha else "approved")
        if needs_sha:
            assert "no financial autonomy" in request["approvals"][0]["reasons"][0]

    async def test_the_threshold_is_configurable(self, service_app: Any,
                                                 tokens: TokenFactory) -> None:
        # not the `world` fixture: a second app would wait on the first one's directory rows
        async with service_app("procurement", sha_approval_threshold_pence=10_000_000) as h:
            h.app.state.clock = FixedClock(START)
            world = await add_directory(h.session, tokens)
            response = await h.client.post("/requests", json=MICRO, headers=world.commissioner())
            assert [a["role"] for a in ok(response, 201)["approvals"]] == ["sha"]

    async def test_a_joint_venture_needs_doh_permission_without_the_freedom(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, MICRO, joint_venture=True)
        assert [(a["role"], a["approver_org_id"]) for a in request["approvals"]] == [
            ("doh_joint_venture", world.doh.id)]
        request = ok(await sign(proc.client, world, request, "doh_joint_venture"))
        assert request["status"] == "approved"

    async def test_a_pct_unknown_to_the_directory_cannot_raise_yet(
            self, proc: ServiceHarness, world: World) -> None:
        stranger = world.headers(world.pct.__class__("new-pct", "5XX", "PCT"), "pct_admin")
        response = await proc.client.post("/requests", json=MICRO, headers=stranger)
        assert is_problem(response, 409)
        assert "directory" in response.json()["detail"]


class TestChanges:
    async def test_a_change_after_a_signoff_voids_it_and_asks_again(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        request = ok(await sign(proc.client, world, request, "sha"))
        changed = ok(await proc.client.patch(
            f"/requests/{request['id']}", headers=world.commissioner(),
            json={"estimated_value_pence": 420_000_000}))
        assert changed["content_hash"] != request["content_hash"]
        assert [(a["role"], a["status"]) for a in changed["approvals"]] == [
            ("dg_commissioning", "pending"), ("sha", "pending")]
        signoffs = ok(await proc.client.get(f"/requests/{request['id']}/signoffs",
                                            headers=world.commissioner()))
        [voided] = signoffs
        assert voided["voided_reason"] == "the request changed after this approval"
        assert voided["snapshot"]["estimated_value_pence"] == 400_000_000
        requested = await outbox_payloads(proc.session, "procurement.signoff.requested.v1")
        assert [r["role"] for r in requested] == ["dg_commissioning", "sha", "sha"]

    async def test_an_approval_of_content_since_changed_is_refused(
            self, proc: ServiceHarness, world: World) -> None:
        stale = await raise_request(proc.client, world, END_TO_END)
        ok(await proc.client.patch(f"/requests/{stale['id']}", headers=world.commissioner(),
                                   json={"title": "Complete support, revised"}))
        response = await sign(proc.client, world, stale, "sha")
        assert is_problem(response, 409)
        assert "changed after you read it" in response.json()["detail"]

    async def test_a_change_that_raises_the_value_adds_the_sha(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, MICRO)
        changed = ok(await proc.client.patch(
            f"/requests/{request['id']}", headers=world.commissioner(),
            json={"estimated_value_pence": 150_000_000}))
        assert changed["status"] == "awaiting_signoff"
        assert [a["role"] for a in changed["approvals"]] == ["sha"]

    async def test_an_unchanged_patch_changes_nothing(self, proc: ServiceHarness,
                                                      world: World) -> None:
        request = await raise_request(proc.client, world, MICRO)
        same = ok(await proc.client.patch(f"/requests/{request['id']}",
                                          headers=world.commissioner(),
                                          json={"title": MICRO["title"]}))
        assert same["version"] == request["version"] == 1

    async def test_a_change_breaking_the_package_rules_is_refused(
            self, proc: ServiceHarness, world: World) -> None:
        request = await raise_request(proc.client, world, MICRO)
        response = await proc.client.patch(
            f"/requests/{request['id']}", headers=world.commissioner(),
            json={"services": ["acute_contract_management", "provider_procurement"]})
        assert is_problem(response, 422)
        unchanged = ok(await proc.client.get(f"/requests/{request['id']}",
                                             headers=world.commissioner()))
        assert unchanged["services"] == ["acute_contract_management"]

    async def test_required_fields_cannot_be_cleared(self, proc: ServiceHarness,
                                                     world: World) -> None:
        request = await raise_request(proc.client, world, MICRO)
        response = await proc.client.patch(f"/requests/{request['id']}",
                                           headers=world.commissioner(), json={"title": None})
        assert is_problem(response, 422)

    async def test_a_refused_request_cannot_change(self, proc: ServiceHarness,
                                                   world: World) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        refused = ok(await sign(proc.client, world, request, "dg_commissioning", "refused",
                                "Not exceptional: use a macro package"))
        assert refused["status"] == "refused"
        response = await proc.client.patch(f"/requests/{request['id']}",
                                           headers=world.commissioner(), json={"title": "Again"})
        assert is_problem(response, 409)
