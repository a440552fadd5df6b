from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from services.assurance.deps import Reader
from services.assurance.rules.framework import Framework, list_frameworks, load_framework
from services.assurance.rules.loading import ReferenceDataError
from shared.errors import NotFound, problem_responses

router = APIRouter(prefix="/frameworks", tags=["frameworks"])
ERRORS = problem_responses(401, 403, 404, 422)


def _first_of_each(value: Any) -> Any:
    """`value` with every list cut to its first item: an example, not the whole framework."""
    if isinstance(value, list):
        return [_first_of_each(item) for item in value[:1]]
    if isinstance(value, dict):
        return {key: _first_of_each(item) for key, item in value.items()}
    return value


# Taken from the reference data itself, so that the example is always a real framework.
EXAMPLE = _first_of_each(load_framework("wcc-2009-10").model_dump(mode="json", by_alias=True))
FRAMEWORK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"example": EXAMPLE}}}}


class FrameworkSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version_id": "wcc-2009-10",
        "name": "World Class Commissioning assurance framework, Year 2", "cycle_id": "2009-10",
        "year": "2009/10", "label": "Year 2",
        "scored_competencies": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]}]})

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


@router.get("/{version}", response_model=Framework, responses={**ERRORS, **FRAMEWORK})
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
