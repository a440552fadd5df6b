"""Annotated dependencies: the access rule each route declares (deny by default), the time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, require
from shared.errors import Forbidden

# NHS CB and DoH run scenarios and see every run; SHAs and CCGs see published runs only.
RUNNERS = ("nhscb_admin", "nhscb_analyst", "doh_admin", "doh_dg_commissioning")
READERS = ("sha_admin", "sha_assessor", "ccg_admin", "ccg_commissioner")


def current_time() -> datetime:
    """The time of the request, read once (records when things happened; no rule uses it)."""
    return datetime.now(UTC)


# sha_assessor is also granted to PCT staff (panel peers): a role alone does not make SHA staff.
READER_ORGANISATIONS = frozenset({"SHA", "CCG"})


async def _run_reader(principal: Annotated[Principal, Depends(require(*RUNNERS, *READERS))],
                      ) -> Principal:
    """A runner, or a reader who works for an SHA or a CCG (403 otherwise)."""
    if not principal.has_any(frozenset(RUNNERS)) and (
            principal.org_type not in READER_ORGANISATIONS):
        raise Forbidden("published runs are for NHS CB, DoH, SHA and CCG staff")
    return principal


NowDep = Annotated[datetime, Depends(current_time)]
Runner = Annotated[Principal, Depends(require(*RUNNERS))]
RunReader = Annotated[Principal, Depends(_run_reader)]
