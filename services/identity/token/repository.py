"""Statements over refresh tokens: found by digest, claimed once, revoked by family."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.token.models import RefreshToken


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def by_token(session: AsyncSession, raw: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(raw)))


async def claim(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Mark the token used unless it already was (two concurrent uses: one wins)."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None),
               RefreshToken.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount == 1


async def revoke(session: AsyncSession, now: datetime, *, family_id: str | None = None,
                 user_id: str | None = None) -> list[str]:
    """Revoke the live tokens of one family (or all of a user's); returns the families hit."""
    query = select(RefreshToken.family_id).distinct().where(
        RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > now)
    query = (query.where(RefreshToken.family_id == family_id) if family_id is not None
             else query.where(RefreshToken.user_id == user_id))
    families = sorted((await session.scalars(query)).all())
    if families:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now).execution_options(synchronize_session=False))
    return families
