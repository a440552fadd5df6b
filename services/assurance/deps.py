"""Annotated dependencies: the access rule each route declares (deny by default)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.assurance.config import Settings
from shared.auth import Principal, require

# Any verified caller; what they see is then narrowed by scope (access.py).
Reader = Annotated[Principal, Depends(require())]
Commissioner = Annotated[Principal, Depends(require("pct_commissioner"))]
Assessor = Annotated[Principal, Depends(require("sha_assessor"))]
ShaAdmin = Annotated[Principal, Depends(require("sha_admin"))]
DohAdmin = Annotated[Principal, Depends(require("doh_admin"))]
# League tables and their changes: SHAs (their region) and DoH, as the issue rules (not NHS CB).
RegionalReader = Annotated[Principal, Depends(require(
    "doh_admin", "doh_dg_commissioning", "sha_admin", "sha_assessor"))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]
