"""The signing keys: one active key signs; retired keys stay in the JWKS until tokens expire.

Every identity replica holds the keys in memory and reloads them from the database when they
are older than `reload_after` seconds, so a key rotated by the CLI (or another replica) is
picked up without a restart.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.identity.audit import service as audit
from services.identity.token.models import SigningKey
from shared.auth import ALGORITHM


class SigningKeyPair:
    """One RS256 key pair with its key id: signs tokens, publishes its public half."""

    def __init__(self, key: RSAKey) -> None:
        self.key = key

    @classmethod
    def generate(cls) -> SigningKeyPair:
        kid = uuid.uuid4().hex
        return cls(RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig",
                                                         "alg": ALGORITHM}))

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": ALGORITHM, "kid": self.kid, "typ": "JWT"}, claims, self.key)

    def public_key_set(self) -> KeySet:
        return KeySet.import_key_set({"keys": [self.key.as_dict(private=False)]})


def generate_key() -> SigningKey:
    pair = SigningKeyPair.generate()
    return SigningKey(kid=pair.kid, private_pem=pair.key.as_pem(private=True).decode(),
                      created_at=datetime.now(UTC), retired_at=None, publish_until=None)


class KeyStore:
    """Loads keys from the database and keeps them in memory for signing and the JWKS.

    It is also a `shared.auth.KeySource`, so identity verifies tokens against the same keys.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *,
                 reload_after: float = 30.0, min_refresh: float = 1.0) -> None:
        self.sessionmaker = sessionmaker
        self.reload_after = reload_after
        self.min_refresh = min_refresh
        self._active: SigningKeyPair | None = None
        self._public = KeySet([])
        self._loaded_at = -float("inf")
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read the published keys; create the first key when there is none."""
        async with self.sessionmaker() as session, session.begin():
            now = datetime.now(UTC)
            rows = (await session.scalars(select(SigningKey).where(
                or_(SigningKey.publish_until.is_(None), SigningKey.publish_until > now))
                .order_by(SigningKey.created_at))).all()
            if not any(row.retired_at is None for row in rows):
                first = generate_key()
                session.add(first)
                rows = [*rows, first]
        keys = [_import(row) for row in rows]
        active = next(k for k, row in zip(keys, rows, strict=True) if row.retired_at is None)
        self._active = SigningKeyPair(active)
        self._public = KeySet.import_key_set(
            {"keys": [key.as_dict(private=False) for key in keys]})
        self._loaded_at = time.monotonic()

    async def fresh(self, max_age: float | None = None) -> KeyStore:
        """Reload when the keys in memory are older than `max_age` (default `reload_after`)."""
        limit = self.reload_after if max_age is None else max_age
        if time.monotonic() - self._loaded_at >= limit:
            async with self._lock:
                if time.monotonic() - self._loaded_at >= limit:
                    await self.load()
        return self

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The published public keys; `refresh` (an unknown kid) reloads if not just done."""
        await self.fresh(self.min_refresh if refresh else None)
        return self._public

    @property
    def active_kid(self) -> str | None:
        return self._active.kid if self._active else None

    def public_key_set(self) -> KeySet:
        return self._public

    def jwks(self) -> dict[str, Any]:
        return dict(self._public.as_dict(private=False))

    def sign(self, claims: dict[str, Any]) -> str:
        if self._active is None:
            raise RuntimeError("KeyStore.load() has not run")
        return self._active.sign(claims)


async def rotate(session: AsyncSession, *, publish_for: timedelta) -> SigningKey:
    """Retire the active key (published `publish_for` longer) and make a new one active."""
    now = datetime.now(UTC)
    for key in (await session.scalars(select(SigningKey).where(
            SigningKey.retired_at.is_(None)))).all():
        key.retired_at = now
        key.publish_until = now + publish_for
    new = generate_key()
    session.add(new)
    return new


async def rotate_key(session: AsyncSession, *, publish_for: timedelta,
                     actor: str) -> SigningKey:
    """`rotate`, recorded in the audit log (key ids only, never key material)."""
    retired = list((await session.scalars(select(SigningKey.kid).where(
        SigningKey.retired_at.is_(None)))).all())
    new = await rotate(session, publish_for=publish_for)
    audit.record(session, "key.rotated", actor=actor, subject=new.kid, details={
        "retired": retired, "published_for_seconds": int(publish_for.total_seconds())})
    return new


def _import(row: SigningKey) -> RSAKey:
    return _import_pem(row.kid, row.private_pem)


@lru_cache(maxsize=16)
def _import_pem(kid: str, pem: str) -> RSAKey:
    # Parsing and checking an RSA private key takes ~40 ms; reloads reuse the parsed key.
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
