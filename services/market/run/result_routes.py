from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from services.market.deps import RunReader
from services.market.run import results, service
from services.market.run.schemas import RunResults
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["results"])
ERRORS = problem_responses(401, 403, 404, 409, 422)
Responses = dict[int | str, dict[str, Any]]
CSV: Responses = {200: {"description": "long CSV: quarter, date, output, mean, sd, p5, p95",
                        "content": {"text/csv": {"schema": {"type": "string"}}}}}
SVG: Responses = {200: {"description": "an SVG line chart: the mean and the 5-95% band",
                        "content": {"image/svg+xml": {"schema": {"type": "string"}}}}}


@router.get("/runs/{run_id}/results", response_model=RunResults, responses=ERRORS)
async def read_results(run_id: str, session: SessionDep, principal: RunReader) -> RunResults:
    """A completed run's results: per output and quarter the mean, sd, p5 and p95 across
    replications, and the supplier events (entries, exits, mergers) of replication 0."""
    run, result = await service.results(session, run_id, by=principal)
    return RunResults(run_id=run.id, scenario=run.scenario, model=run.model,
                      replications=run.replications, seed=run.seed, quarters=result.quarters,
                      outputs=result.outputs, events=result.events, inputs=run.inputs)


@router.get("/runs/{run_id}/results.csv", response_class=Response,
            responses={**CSV, **ERRORS})
async def results_csv(run_id: str, session: SessionDep, principal: RunReader) -> Response:
    """The results as CSV, one row per quarter and output (for spreadsheets)."""
    run, result = await service.results(session, run_id, by=principal)
    return Response(results.as_csv(run, result), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="run-{run.id}.csv"'})


@router.get("/runs/{run_id}/charts/{chart}.svg", response_class=Response,
            responses={**SVG, **ERRORS})
async def results_chart(run_id: str, chart: results.Chart, session: SessionDep,
                        principal: RunReader) -> Response:
    """A chart of a completed run: `suppliers` (active suppliers), `hhi` (concentration by
    population served) or `in-house` (share made in-house), with the 5-95% band."""
    run, result = await service.results(session, run_id, by=principal)
    return Response(results.as_chart(run, result, chart), media_type="image/svg+xml")
