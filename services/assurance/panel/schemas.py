from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.assurance.assessment.schemas import Area, Level, Note, Rating, SubCompetencyCode


class Peer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=3, max_length=100, description="the peer user's id (sub)")
    organisation_id: str = Field(min_length=1, max_length=36,
                                 description="the peer's PCT (never the assessed PCT)")


class PanelConvene(BaseModel):
    """Convene the panel: the caller (an assessor of the PCT's SHA) leads it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "peers": [{"subject": "user:5j9-assessor", "organisation_id": "0d7c4b1e-pct-darlington"}],
        "note": "panel day 14 November"}]})

    peers: list[Peer] = Field(default_factory=list, max_length=6)
    note: Note = None


class PanelScores(BaseModel):
    """Panel levels of some sub-competencies and ratings of some governance areas."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sub_competencies": {"5.1": 2, "5.2": 2, "5.3": 1},
        "governance": {"strategy": "AMBER", "finance": "GREEN", "board": "GREEN"},
        "note": "JSNA not yet used for investment decisions"}]})

    sub_competencies: dict[SubCompetencyCode, Level] = Field(default_factory=dict, max_length=40)
    governance: dict[Area, Rating] = Field(default_factory=dict)
    note: Note = None
