"""The service's clock: read once at the API edge and passed into service functions as `now`.

Business rules never read the wall clock; deadlines (bids, standstill) compare against the
`now` a route received, so tests set the time with `FixedClock` and a demo can run the service
in 2008 with `PROCUREMENT_CLOCK_START` (a `ShiftedClock`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Starts at `start` and advances in real time."""

    def __init__(self, start: datetime) -> None:
        self.start = start.astimezone(UTC)
        self._began = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._began)


class FixedClock:
    """A clock that moves only when told (tests)."""

    def __init__(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def clock_for(start: datetime | None) -> Clock:
    return SystemClock() if start is None else ShiftedClock(start)
