"""The assessment history is append-only in the database itself, not only in the code."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from services.assurance.assessment.models import AssessmentChange
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, Api, World


async def history_rows(harness: ServiceHarness, aid: str) -> list[tuple[str, str, str | None]]:
    rows = await harness.session.execute(
        select(AssessmentChange.action, AssessmentChange.actor, AssessmentChange.reason)
        .where(AssessmentChange.assessment_id == aid).order_by(AssessmentChange.id))
    return [tuple(row) for row in rows.all()]


class TestHistoryIsAppendOnly:
    async def test_rows_cannot_be_rewritten_or_removed(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        before = await history_rows(assurance, aid)
        assert [action for action, _actor, _reason in before] == [
            "open", "edit_self_assessment", "submit_self_assessment"]
        session = assurance.session
        attempts = [
            update(AssessmentChange).where(AssessmentChange.assessment_id == aid)
            .values(actor="user:someone-else", reason="rewritten"),
            delete(AssessmentChange).where(AssessmentChange.assessment_id == aid),
            text("TRUNCATE assessment_history"),
        ]
        for statement in attempts:
            with pytest.raises(DBAPIError, match="assessment_history is append-only"):
                async with session.begin_nested():
                    await session.execute(statement)
        assert await history_rows(assurance, aid) == before
        shown = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        assert [(e["action"], e["actor"]) for e in shown] == [
            (action, actor) for action, actor, _reason in before]

    async def test_appending_still_works(self, api: Api, world: World,
                                         assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        await api.call("PATCH", f"/assessments/{aid}/self-assessment",
                       api.commissioner(world.pct_a1), {"sub_competencies": {"1.1": 3}})
        actions = [action for action, _actor, _reason in await history_rows(assurance, aid)]
        assert actions[-1] == "edit_self_assessment" and len(actions) == 4
