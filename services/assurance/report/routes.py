from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.assurance.deps import Reader, RegionalReader
from services.assurance.report import charts, exports, service
from services.assurance.report.schemas import (
    ChangesRead,
    DistributionsRead,
    LeagueTableRead,
    Order,
)
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["reports"])
ERRORS = problem_responses(401, 403, 404, 409, 422)
Responses = dict[int | str, dict[str, Any]]
CSV: Responses = {200: {"description": "JSON, or CSV with ?format=csv",
                        "content": {"text/csv": {}}}}
SVG: Responses = {200: {"description": "a self-contained SVG chart",
                        "content": {"image/svg+xml": {}}}}
ShaQuery = Annotated[str | None, Query(max_length=36, description="one SHA's rows")]
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]


def _csv(body: str, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/cycles/{cycle_id}/league", response_model=LeagueTableRead,
            responses={**ERRORS, **CSV})
async def league_table(cycle_id: str, session: SessionDep, principal: RegionalReader,
                       sha_id: ShaQuery = None, order: Order = "overall",
                       format: Format = "json") -> LeagueTableRead | Response:
    """The HSJ-method league table of published results: national ranks and ranks within
    each SHA. DoH sees every region; an SHA sees its own PCTs' rows; nobody else."""
    if format == "json":
        return Response(await service.league_json(session, cycle_id, principal, sha_id=sha_id,
                                                  order=order), media_type="application/json")
    table = await service.league(session, cycle_id, principal, sha_id=sha_id, order=order)
    return _csv(exports.league_csv(table), f"league-{table.cycle_year.replace('/', '-')}")


@router.get("/cycles/{cycle_id}/league.csv", response_class=Response,
            responses={**ERRORS, **CSV})
async def league_table_csv(cycle_id: str, session: SessionDep, principal: RegionalReader,
                           sha_id: ShaQuery = None, order: Order = "overall") -> Response:
    """The league table as CSV (one row per PCT, header row first)."""
    table = await service.league(session, cycle_id, principal, sha_id=sha_id, order=order)
    return _csv(exports.league_csv(table), f"league-{table.cycle_year.replace('/', '-')}")


@router.get("/cycles/{cycle_id}/distributions", response_model=DistributionsRead,
            responses={**ERRORS, **CSV})
async def distributions(cycle_id: str, session: SessionDep, principal: Reader,
                        sha_id: ShaQuery = None,
                        format: Format = "json") -> DistributionsRead | Response:
    """How many published PCTs sit at each level of each competency and each rating of each
    governance area (counts only), nationally or for your SHA."""
    spread = await service.distributions(session, cycle_id, principal, sha_id=sha_id)
    return _csv(exports.distributions_csv(spread), "distributions") \
        if format == "csv" else spread


@router.get("/cycles/{cycle_id}/distribution.svg", response_class=Response,
            responses={**ERRORS, **SVG})
async def distribution_chart(cycle_id: str, session: SessionDep, principal: Reader,
                             sha_id: ShaQuery = None) -> Response:
    """SVG: the level distribution per competency (national unless `sha_id`)."""
    spread = await service.distributions(session, cycle_id, principal, sha_id=sha_id)
    return Response(exports.distribution_svg(spread), media_type="image/svg+xml")


@router.get("/cycles/{cycle_id}/changes", response_model=ChangesRead, responses=ERRORS)
async def changes_since_previous_cycle(
    cycle_id: str, session: SessionDep, principal: RegionalReader, sha_id: ShaQuery = None,
    scope: Annotated[Literal["national", "sha"], Query()] = "national",
) -> ChangesRead:
    """Each PCT's rank and score change since the previous cycle (national ranks, or ranks
    within the SHA with scope=sha). Like league tables: DoH, and an SHA for its region."""
    return await service.changes(session, cycle_id, principal, sha_id=sha_id, scope=scope)


@router.get("/assessments/{assessment_id}/profile.svg", response_class=Response,
            responses={**ERRORS, **SVG})
async def profile_chart(assessment_id: str, session: SessionDep,
                        principal: Reader) -> Response:
    """SVG: a published PCT's competency levels against the national distribution."""
    return Response(await charts.profile(session, assessment_id, principal),
                    media_type="image/svg+xml")
