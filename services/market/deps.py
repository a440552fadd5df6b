"""Annotated dependencies: the access rule each route declares (deny by default), the time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, require

# NHS CB and DoH run scenarios and see every run; SHAs and CCGs see published runs only.
RUNNERS = ("nhscb_admin", "nhscb_analyst", "doh_admin", "doh_dg_commissioning")
READERS = ("sha_admin", "sha_assessor", "ccg_admin", "ccg_commissioner")


def current_time() -> datetime:
    """The time of the request, read once (records when things happened; no rule uses it)."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(current_time)]
Runner = Annotated[Principal, Depends(require(*RUNNERS))]
RunReader = Annotated[Principal, Depends(require(*RUNNERS, *READERS))]
