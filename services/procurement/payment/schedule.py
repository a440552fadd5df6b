"""A contract's payment schedule: the calendar quarters its period touches (e.g. 2008-Q3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date


def quarters(start: date, end: date) -> list[Period]:
    """One period per calendar quarter from `start` to `end`, clipped to the contract."""
    periods: list[Period] = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        first = date(year, 3 * quarter - 2, 1)
        if first > end:
            return periods
        following = date(year + quarter // 4, 3 * (quarter % 4) + 1, 1)
        periods.append(Period(f"{year}-Q{quarter}", max(first, start),
                              min(following - timedelta(days=1), end)))
        year, quarter = following.year, (following.month - 1) // 3 + 1
