"""Support needs found on publication; contracts procurement awarded, put on record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import organisation_scope
from services.assurance.assessment import repository as assessments
from services.assurance.assessment import workflow
from services.assurance.assessment.models import Assessment
from services.assurance.cycle import repository as cycles
from services.assurance.cycle.models import Cycle, new_id
from services.assurance.paging import paged
from services.assurance.rules.framework import Framework
from services.assurance.rules.support import support_needs
from services.assurance.support.models import ExternalSupport, SupportNeed
from shared.auth import Principal
from shared.events.contracts.assurance import SupportNeedIdentified
from shared.events.contracts.procurement import ContractAwarded
from shared.pagination import PageParams

PROCUREMENT = "system:procurement"


def identify(session: AsyncSession, framework: Framework, cycle: Cycle,
             assessment: Assessment, self_levels: Mapping[str, int | None],
             ) -> list[SupportNeedIdentified]:
    """Store a need for each competency below the cycle's target level; returns the events
    (assurance.support_need.identified) for the caller to queue."""
    now = datetime.now(UTC)
    needs = support_needs(framework, assessment.final_levels or {},
                          target_level=cycle.support_target_level, self_levels=self_levels)
    rows = [SupportNeed(
        id=new_id(), assessment_id=assessment.id, cycle_id=cycle.id, pct_id=assessment.pct_id,
        sha_id=assessment.sha_id, competency=need.competency,
        competency_name=need.competency_name, level=need.level, target_level=need.target_level,
        support_form=need.support_form, grouping=need.grouping,
        package_type=need.package_type, evidence_gap=need.evidence_gap, created_at=now)
        for need in needs]
    session.add_all(rows)
    return [SupportNeedIdentified(
            support_need_id=row.id, assessment_id=row.assessment_id, pct_id=row.pct_id,
            sha_id=row.sha_id, competency=need.competency, competency_name=need.competency_name,
            level=need.level, target_level=need.target_level, support_form=need.support_form,
            grouping=need.grouping, package_type=need.package_type,
            evidence_gap=need.evidence_gap) for row, need in zip(rows, needs, strict=True)]


async def get_all(session: AsyncSession, page: PageParams, by: Principal, *,
                  cycle_id: str | None = None, pct_id: str | None = None,
                  assessment_id: str | None = None) -> tuple[Sequence[SupportNeed], int]:
    query = select(SupportNeed).where(await organisation_scope(session, by, SupportNeed.pct_id))
    for column, value in (("cycle_id", cycle_id), ("pct_id", pct_id),
                          ("assessment_id", assessment_id)):
        if value is not None:
            query = query.where(getattr(SupportNeed, column) == value)
    order = (SupportNeed.pct_id, SupportNeed.cycle_id, SupportNeed.competency)
    return await paged(session, query, order, page)


async def record_contract(session: AsyncSession, contract: ContractAwarded) -> ExternalSupport:
    """Put an awarded contract on record in the PCT's current (unpublished) assessment.

    With none open (no cycle yet, or the latest one published), it waits for the next cycle.
    """
    await cycles.lock_pcts(session, [contract.pct_id])  # against a cycle opening meanwhile
    current = await assessments.current_for(session, contract.pct_id)
    row = await session.get(ExternalSupport, contract.contract_id)
    if row is None:
        row = ExternalSupport(contract_id=contract.contract_id, recorded_at=datetime.now(UTC))
        session.add(row)
    row.pct_id, row.supplier_id = contract.pct_id, contract.supplier_id
    row.package_type, row.groupings = contract.package_type, list(contract.groupings)
    row.payment_model, row.value_pence = contract.payment_model, contract.value_pence
    row.start_date, row.end_date = contract.start_date, contract.end_date
    row.assessment_id = current.id if current is not None else None
    if current is not None:
        workflow.record(session, current, "record_external_support", PROCUREMENT,
                        reason="procurement awarded a contract to the PCT",
                        details={"contract_id": contract.contract_id,
                                 "supplier_id": contract.supplier_id})
    return row
