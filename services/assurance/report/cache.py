"""National league tables kept in memory while the cycle's published results are unchanged.

A published result never changes; publishing another raises the cycle's count of published
assessments and their latest `updated_at`, and that pair is an entry's version. An entry
checked less than `fresh` seconds ago is served without touching the database; an older one
is revalidated with one aggregate query (and kept if the version is unchanged). Publication
drops the cycle's entries in the publishing process at once, so another replica can lag by
at most `fresh` seconds. Entries are recomputed at least every `ttl` seconds, so renamed
organisations show within that. See ADR 0005.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment.models import Assessment
from services.assurance.cycle.models import Cycle
from services.assurance.report.schemas import LeagueTableRead
from shared.errors import NotFound

Version = tuple[int, datetime | None]
Key = tuple[str, str]  # cycle id, order


@dataclass(frozen=True, slots=True)
class National:
    cycle: Cycle
    version: Version
    table: LeagueTableRead
    sha_of: dict[str, str]  # every published PCT -> its SHA (the excluded ones included)
    built_at: float
    json: bytes  # the table as the API sends it, serialised once


class LeagueCache:
    """A small LRU of national tables by (cycle, order)."""

    def __init__(self, size: int = 32, fresh: float = 2.0, ttl: float = 60.0) -> None:
        self.size, self.fresh, self.ttl = size, fresh, ttl
        self._entries: OrderedDict[Key, tuple[float, National]] = OrderedDict()

    def get(self, key: Key) -> tuple[National, bool] | None:
        """The entry and whether it is fresh enough to serve unchecked; None if none."""
        found = self._entries.get(key)
        now = time.monotonic()
        if found is None or now - found[1].built_at > self.ttl:
            return None
        self._entries.move_to_end(key)
        return found[1], now - found[0] <= self.fresh

    def put(self, key: Key, value: National) -> None:
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def invalidate(self, cycle_id: str) -> None:
        for key in [key for key in self._entries if key[0] == cycle_id]:
            del self._entries[key]


LEAGUES = LeagueCache()


async def cycle_and_version(session: AsyncSession, cycle_id: str) -> tuple[Cycle, Version]:
    """The cycle and the version of its published results, in one query (404: no cycle)."""
    mine = (Assessment.cycle_id == Cycle.id, Assessment.status == "published")
    count = select(func.count()).where(*mine).scalar_subquery()
    latest = select(func.max(Assessment.updated_at)).where(*mine).scalar_subquery()
    row = (await session.execute(
        select(Cycle, count, latest).where(Cycle.id == cycle_id))).first()
    if row is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    return row[0], (int(row[1]), row[2])
