from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.assurance.deps import Reader
from services.assurance.rules.framework import Framework, list_frameworks, load_framework
from services.assurance.rules.loading import ReferenceDataError
from shared.errors import NotFound, problem_responses

router = APIRouter(prefix="/frameworks", tags=["frameworks"])
ERRORS = problem_responses(401, 403, 404, 422)


class FrameworkSummary(BaseModel):
    version_id: str = Field(examples=["wcc-2009-10"])
    name: str
    cycle_id: str = Field(examples=["2009-10"])
    year: str = Field(examples=["2009/10"])
    label: str = Field(examples=["Year 2"])
    scored_competencies: list[str]


@router.get("", response_model=list[FrameworkSummary], responses=ERRORS)
async def list_framework_versions(_: Reader) -> list[FrameworkSummary]:
    """Every framework version on file, oldest cycle first. A version never changes once used."""
    return [FrameworkSummary(version_id=f.version_id, name=f.name, cycle_id=f.cycle.id,
                             year=f.cycle.year, label=f.cycle.label,
                             scored_competencies=list(f.scored_competencies))
            for f in list_frameworks()]


@router.get("/{version}", response_model=Framework, responses=ERRORS)
async def read_framework(
    version: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                                 examples=["wcc-2009-10"])],
    _: Reader,
) -> Framework:
    """One framework version: competencies, sub-competencies, levels, governance, outcomes,
    metric caps and the support mapping, with their sources."""
    try:
        return load_framework(version)
    except ReferenceDataError:
        raise NotFound(f"no framework version {version}") from None
