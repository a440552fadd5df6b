"""Minting tokens: the signed access JWT and the opaque, single-use refresh token."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.organisation.models import Organisation
from services.identity.token.context import GrantContext
from services.identity.token.models import RefreshToken
from services.identity.token.repository import digest
from services.identity.user.models import User
from services.identity.user.roles import effective_roles
from shared.auth import ACCESS_TOKEN_TYPE


def access_claims(ctx: GrantContext, user: User, organisation: Organisation, *,
                  audience: str, now: datetime) -> dict[str, Any]:
    issued = int(now.timestamp())
    return {
        "iss": ctx.settings.token_issuer, "aud": audience, "sub": user.id,
        "iat": issued, "nbf": issued, "exp": issued + ctx.settings.access_token_ttl,
        "jti": uuid.uuid4().hex, "org_id": organisation.id, "org_type": organisation.type,
        "roles": sorted(effective_roles(user.roles, organisation.type)),
        "typ": ACCESS_TOKEN_TYPE,
    }


async def access_token(ctx: GrantContext, user: User, organisation: Organisation, *,
                       audience: str, now: datetime) -> str:
    """An RS256 JWT signed with the current key (reloaded if another replica rotated it)."""
    await ctx.keys.fresh()
    return ctx.keys.sign(access_claims(ctx, user, organisation, audience=audience, now=now))


def refresh_token(session: AsyncSession, ctx: GrantContext, user: User, *, audience: str,
                  now: datetime, family_id: str | None = None) -> str:
    """A new refresh token (in `family_id`, or starting a family); only its SHA-256 is kept."""
    raw = secrets.token_urlsafe(32)
    session.add(RefreshToken(
        id=str(uuid.uuid4()), token_hash=digest(raw), family_id=family_id or str(uuid.uuid4()),
        user_id=user.id, audience=audience, issued_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl)))
    return raw
