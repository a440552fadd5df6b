"""Sliding-window rate limits on credential attempts: per client IP + account name, and per
client IP alone (so spraying many account names from one address is stopped too).

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

    def forgive(self, key: str) -> None:
        """Take back one counted hit of `key` (an attempt that turned out to be legitimate)."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def _forget(self, now: float) -> None:
        # Drop idle keys; if every key is busy, drop the oldest so memory stays bounded.
        horizon = now - self.window
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= horizon]
        for key in idle:
            del self._hits[key]
        while len(self._hits) > self.max_keys:
            del self._hits[next(iter(self._hits))]


class LoginLimits:
    """The limits on credential attempts (password and client-credentials grants).

    Per client IP + account name, every attempt counts. Per client IP alone, only attempts that
    fail count (a success is forgiven), so colleagues signing in from behind one NHS gateway
    address do not use up each other's allowance, while a sprayer, whose guesses fail, is
    stopped whatever account names it tries.
    """

    def __init__(self, *, per_account: int, per_ip: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_account = SlidingWindowLimiter(per_account, window, clock=clock)
        self.per_ip = SlidingWindowLimiter(per_ip, window, clock=clock)

    def attempt(self, ip: str | None, account: str) -> None:
        """Count one attempt from `ip` on `account`, or raise `RateLimited` when over a limit."""
        self.per_ip.hit(str(ip))
        self.per_account.hit(f"{ip}|{account}")

    def succeeded(self, ip: str | None) -> None:
        """The attempt from `ip` was a good one: it no longer counts against the address."""
        self.per_ip.forgive(str(ip))
