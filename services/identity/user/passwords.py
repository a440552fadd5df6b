"""Argon2id hashing of passwords and client secrets, run off the event loop (CPU-bound)."""

from __future__ import annotations

import asyncio
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.config import Settings


class Passwords:
    """Hashes and verifies secrets with the configured Argon2id parameters."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                                      parallelism=parallelism, hash_len=32, salt_len=16,
                                      type=Type.ID)

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        return cls(memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost,
                   parallelism=settings.argon2_parallelism)

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, secret)

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """True when `secret` matches; a missing hash costs as much as a wrong secret."""
        return await asyncio.to_thread(self._verify, hashed, secret)

    def needs_rehash(self, hashed: str) -> bool:
        """True when `hashed` was made with other parameters than the configured ones."""
        return self._hasher.check_needs_rehash(hashed)

    def _verify(self, hashed: str | None, secret: str) -> bool:
        try:
            return self._hasher.verify(hashed or self._dummy, secret) and hashed is not None
        except (VerificationError, InvalidHashError):
            return False

    @cached_property
    def _dummy(self) -> str:
        # Verified against when the account is unknown, so that the answer takes as long.
        return self._hasher.hash("no such account")
