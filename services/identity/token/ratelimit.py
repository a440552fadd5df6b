"""A sliding-window rate limit on token requests, per client IP and account name.

Held in process memory: each identity replica counts on its own (see docs/adr), which bounds
an attacker at `limit` x replicas per window; the per-account lockout, kept in the database,
is the control that holds across replicas.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from shared.errors import TooManyRequests


class RateLimited(TooManyRequests):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry after {retry_after} seconds")
        self.retry_after = retry_after


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(self, limit: int, window: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count one attempt for `key`, or raise `RateLimited` (not counted) when over."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited(max(1, math.ceil(hits[0] + self.window - now)))
        hits.append(now)
        if len(self._hits) > self.max_keys:
            self._forget(now)

    def _forget(self, now: float) -> None:
        # Drop idle keys; if every key is busy, drop the oldest so memory stays bounded.
        horizon = now - self.window
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= horizon]
        for key in idle:
            del self._hits[key]
        while len(self._hits) > self.max_keys:
            del self._hits[next(iter(self._hits))]
