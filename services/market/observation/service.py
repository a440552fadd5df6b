"""Applying assurance's ratings and procurement's contracts; the inputs of new runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.market.observation.mapping import Observations, PricedContract, derive
from services.market.observation.models import ContractObservation, PctRating
from services.market.simulation.scenario import Scenario
from shared.events.contracts.assurance import AssessmentRated
from shared.events.contracts.procurement import ContractAwarded, ContractSigned


def mean_level(levels: dict[str, int | None]) -> float | None:
    """Mean of the scored competency levels (None where the framework does not score one)."""
    scored = [level for level in levels.values() if level is not None]
    return round(sum(scored) / len(scored), 6) if scored else None


async def apply_rating(session: AsyncSession, event: AssessmentRated, *, at: datetime) -> None:
    """Keep each PCT's latest rating (an earlier publication arriving late changes nothing)."""
    row = await session.get(PctRating, event.pct_id)
    if row is not None and row.published_on > event.published_on:
        return
    if row is None:
        row = PctRating(pct_id=event.pct_id)
        session.add(row)
    row.sha_id, row.assessment_id, row.cycle_year = event.sha_id, event.assessment_id, \
        event.cycle_year
    row.competency_levels = dict(event.competency_levels)
    row.mean_level = mean_level(event.competency_levels)
    row.published_on, row.received_at = event.published_on, at
    await session.flush()


async def apply_award(session: AsyncSession, event: ContractAwarded, *, at: datetime) -> None:
    """Record an awarded contract's price facts (a signature seen first keeps its value)."""
    row = await session.get(ContractObservation, event.contract_id)
    if row is None:
        row = ContractObservation(contract_id=event.contract_id)
        session.add(row)
    row.pct_id, row.supplier_id, row.package_type = event.pct_id, event.supplier_id, \
        event.package_type
    row.payment_model = event.payment_model
    if row.signed_on is None:
        row.value_pence = event.value_pence
    row.start_date, row.end_date = event.start_date, event.end_date
    row.population_served, row.received_at = event.population_served, at
    await session.flush()


async def apply_signature(session: AsyncSession, event: ContractSigned, *, at: datetime) -> None:
    """The signed value is the contract's final value."""
    row = await session.get(ContractObservation, event.contract_id)
    if row is None:
        row = ContractObservation(contract_id=event.contract_id, pct_id=event.pct_id,
                                  received_at=at)
        session.add(row)
    row.supplier_id, row.payment_model = event.supplier_id, event.payment_model
    row.value_pence, row.signed_on = event.value_pence, event.signed_on
    await session.flush()


async def observations(session: AsyncSession) -> Observations:
    """What the read models hold now."""
    levels = (await session.scalars(
        select(PctRating.mean_level).where(PctRating.mean_level.is_not(None))
        .order_by(PctRating.pct_id))).all()
    rows = (await session.scalars(
        select(ContractObservation).order_by(ContractObservation.contract_id))).all()
    contracts = tuple(
        PricedContract(row.package_type or "", row.value_pence, row.start_date, row.end_date,
                       row.population_served)
        for row in rows if row.start_date is not None and row.end_date is not None)
    return Observations(tuple(float(level) for level in levels if level is not None),
                        contracts)


async def with_inputs(session: AsyncSession, scenario: Scenario) -> tuple[Scenario, dict[str, Any]]:
    """The scenario adjusted by today's observations, and the record of what was used."""
    return derive(scenario, await observations(session))
