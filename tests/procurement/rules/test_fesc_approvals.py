"""Approvals a request needs (both sides of each rule) and the sign-off state machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.procurement.rules.approvals import (
    ApprovalFacts,
    Freedoms,
    RequiredApproval,
    SignoffError,
    SignoffState,
    change_content,
    content_hash,
    record_decision,
    required_approvals,
    start_signoffs,
)
from services.procurement.rules.framework import Framework, load_framework

NO_FREEDOMS = Freedoms()
POUND = 100
SHA, OTHER_SHA, DOH = "Q36", "Q35", "DH"  # identity reference codes
T0 = datetime(2008, 3, 3, 9, 0, tzinfo=UTC)
E2E_REASON = ("an end-to-end package needs the DoH director general of commissioning and the "
              "PCT's SHA")


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


def roles(approvals: tuple[RequiredApproval, ...]) -> list[str]:
    return [a.role for a in approvals]


class TestEndToEndApprovals:
    def test_needs_the_director_general_and_the_pcts_sha(self, framework: Framework) -> None:
        facts = ApprovalFacts("end_to_end", 400_000 * POUND)
        assert required_approvals(framework, facts, NO_FREEDOMS) == (
            RequiredApproval("dg_commissioning", (E2E_REASON,)),
            RequiredApproval("sha", (E2E_REASON,)),
        )

    def test_still_needs_both_with_every_freedom(self, framework: Framework) -> None:
        facts = ApprovalFacts("end_to_end", 400_000 * POUND)
        freedoms = Freedoms(financial_autonomy_threshold_pence=5_000_000 * POUND,
                            joint_ventures_without_doh=True)
        assert roles(required_approvals(framework, facts, freedoms)) == ["dg_commissioning", "sha"]

    def test_a_macro_needs_neither(self, framework: Framework) -> None:
        facts = ApprovalFacts("macro", 400_000 * POUND)
        assert required_approvals(framework, facts, NO_FREEDOMS) == ()


class TestValueApprovals:
    # The v1 threshold is £1,000,000.00 (100,000,000p); "above" is strict.
    def test_above_the_threshold_without_autonomy_needs_the_sha(
        self, framework: Framework
    ) -> None:
        facts = ApprovalFacts("macro", 100_000_001)
        assert required_approvals(framework, facts, NO_FREEDOMS) == (RequiredApproval("sha", (
            "the value £1,000,000.01 is above £1,000,000.00 and the PCT has no financial "
            "autonomy",)),)

    def test_at_the_threshold_without_autonomy_needs_nothing(self, framework: Framework) -> None:
        facts = ApprovalFacts("macro", 100_000_000)
        assert required_approvals(framework, facts, NO_FREEDOMS) == ()

    def test_financial_autonomy_lifts_the_limit(self, framework: Framework) -> None:
        facts = ApprovalFacts("macro", 1_500_000 * POUND)
        freedoms = Freedoms(financial_autonomy_threshold_pence=2_000_000 * POUND)
        assert required_approvals(framework, facts, freedoms) == ()

    def test_above_the_pcts_own_autonomy_limit_needs_the_sha(self, framework: Framework) -> None:
        facts = ApprovalFacts("macro", 2_500_000 * POUND)
        freedoms = Freedoms(financial_autonomy_threshold_pence=2_000_000 * POUND)
        assert required_approvals(framework, facts, freedoms) == (RequiredApproval("sha", (
            "the value £2,500,000.00 is above the PCT's autonomy limit £2,000,000.00",)),)

    def test_an_end_to_end_above_the_limit_asks_the_sha_once_with_both_reasons(
        self, framework: Framework
    ) -> None:
        facts = ApprovalFacts("end_to_end", 3_000_000 * POUND)
        approvals = required_approvals(framework, facts, NO_FREEDOMS)
        assert roles(approvals) == ["dg_commissioning", "sha"]
        assert len(approvals[1].reasons) == 2


class TestJointVentureApprovals:
    def test_needs_doh_permission_without_the_freedom(self, framework: Framework) -> None:
        facts = ApprovalFacts("micro", 50_000 * POUND, joint_venture=True)
        assert roles(required_approvals(framework, facts, NO_FREEDOMS)) == ["doh_joint_venture"]

    def test_needs_nothing_with_the_freedom(self, framework: Framework) -> None:
        facts = ApprovalFacts("micro", 50_000 * POUND, joint_venture=True)
        freedoms = Freedoms(joint_ventures_without_doh=True)
        assert required_approvals(framework, facts, freedoms) == ()


def end_to_end_signoffs(framework: Framework, content: dict[str, object]) -> SignoffState:
    required = required_approvals(framework, ApprovalFacts("end_to_end", 800_000 * POUND),
                                  NO_FREEDOMS)
    return start_signoffs(required, approvers={"dg_commissioning": DOH, "sha": SHA},
                          content_hash=content_hash(content), by="pct-user", at=T0)


CONTENT = {"package_type": "end_to_end", "estimated_value_pence": 80_000_000, "supplier": None}


def approve(state: SignoffState, role: str, org: str) -> SignoffState:
    return record_decision(state, role=role, decision="approved",  # type: ignore[arg-type]
                           approver_org_id=org, by=f"{role}-user", at=T0,
                           seen_content_hash=state.content_hash)


class TestSignoff:
    @pytest.mark.parametrize("order", [("dg_commissioning", "sha"), ("sha", "dg_commissioning")])
    def test_both_sign_offs_in_either_order_approve_the_request(
        self, framework: Framework, order: tuple[str, str]
    ) -> None:
        orgs = {"dg_commissioning": DOH, "sha": SHA}
        state = end_to_end_signoffs(framework, CONTENT)
        state = approve(state, order[0], orgs[order[0]])
        assert not state.approved and state.pending_roles == (order[1],)
        state = approve(state, order[1], orgs[order[1]])
        assert state.approved

    def test_only_the_pcts_own_sha_can_sign_off(self, framework: Framework) -> None:
        state = end_to_end_signoffs(framework, CONTENT)
        with pytest.raises(SignoffError, match=f"only organisation {SHA} .* not {OTHER_SHA}"):
            approve(state, "sha", OTHER_SHA)

    def test_a_decision_on_stale_content_is_refused(self, framework: Framework) -> None:
        state = end_to_end_signoffs(framework, CONTENT)
        with pytest.raises(SignoffError, match="changed after it was read"):
            record_decision(state, role="sha", decision="approved", approver_org_id=SHA,
                            by="sha-user", at=T0, seen_content_hash=content_hash({"old": 1}))

    def test_a_change_after_a_sign_off_voids_it(self, framework: Framework) -> None:
        state = approve(end_to_end_signoffs(framework, CONTENT), "dg_commissioning", DOH)
        changed = {**CONTENT, "estimated_value_pence": 95_000_000}
        state = change_content(state, new_content_hash=content_hash(changed), by="pct-user", at=T0)
        assert state.pending_roles == ("dg_commissioning", "sha")
        assert [e.what for e in state.history][-2:] == ["content_changed", "voided"]
        state = approve(approve(state, "dg_commissioning", DOH), "sha", SHA)
        assert state.approved

    def test_an_unchanged_content_keeps_the_sign_offs(self, framework: Framework) -> None:
        state = approve(end_to_end_signoffs(framework, CONTENT), "dg_commissioning", DOH)
        same = change_content(state, new_content_hash=content_hash(dict(reversed(CONTENT.items()))),
                              by="pct-user", at=T0)
        assert same == state

    def test_a_refusal_ends_the_request(self, framework: Framework) -> None:
        state = approve(end_to_end_signoffs(framework, CONTENT), "dg_commissioning", DOH)
        state = record_decision(state, role="sha", decision="refused", approver_org_id=SHA,
                                by="sha-user", at=T0, seen_content_hash=state.content_hash,
                                reason="No exceptional circumstance shown.")
        assert state.ended and not state.approved
        with pytest.raises(SignoffError, match="refused"):
            approve(state, "dg_commissioning", DOH)
        with pytest.raises(SignoffError, match="cannot be changed"):
            change_content(state, new_content_hash="x", by="pct-user", at=T0)

    def test_a_refusal_needs_a_reason(self, framework: Framework) -> None:
        state = end_to_end_signoffs(framework, CONTENT)
        with pytest.raises(SignoffError, match="reason"):
            record_decision(state, role="sha", decision="refused", approver_org_id=SHA,
                            by="sha-user", at=T0, seen_content_hash=state.content_hash)

    def test_a_repeated_approval_changes_nothing(self, framework: Framework) -> None:
        state = approve(end_to_end_signoffs(framework, CONTENT), "sha", SHA)
        assert approve(state, "sha", SHA) == state

    def test_a_role_the_request_does_not_need_is_refused(self, framework: Framework) -> None:
        state = end_to_end_signoffs(framework, CONTENT)
        with pytest.raises(SignoffError, match="needs no doh_joint_venture sign-off"):
            approve(state, "doh_joint_venture", DOH)

    def test_history_records_who_decided_what(self, framework: Framework) -> None:
        state = approve(end_to_end_signoffs(framework, CONTENT), "sha", SHA)
        assert [(e.what, e.role, e.by) for e in state.history] == [
            ("requested", "dg_commissioning", "pct-user"),
            ("requested", "sha", "pct-user"),
            ("approved", "sha", "sha-user"),
        ]

    def test_a_request_needing_no_sign_off_is_approved(self) -> None:
        state = start_signoffs((), approvers={}, content_hash=content_hash(CONTENT),
                               by="pct-user", at=T0)
        assert state.approved and not state.ended
