"""Who sees which runs, on top of the route's role rule (deny by default).

NHS CB (`nhscb_admin`, `nhscb_analyst`) and DoH (`doh_admin`, `doh_dg_commissioning`) see
every scenario and run; SHA (`sha_admin`, `sha_assessor`) and CCG (`ccg_admin`,
`ccg_commissioner`) staff see published runs only. A run the caller may not see answers 404,
so nobody learns that it exists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from services.market.deps import RUNNERS
from services.market.run.models import Run
from shared.auth import Principal


def sees_all_runs(principal: Principal) -> bool:
    return principal.has_any(frozenset(RUNNERS))


def run_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause keeping the runs `principal` may see."""
    return true() if sees_all_runs(principal) else Run.published.is_(True)
