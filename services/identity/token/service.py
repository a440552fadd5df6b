"""The token grants (password, refresh_token, client_credentials) and logout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit import service as audit
from services.identity.database import outbox
from services.identity.token import repository
from services.identity.token.access import access_token, refresh_token
from services.identity.token.context import GrantContext
from services.identity.token.login import InvalidGrant, authenticate, aware
from services.identity.token.models import RefreshToken
from services.identity.token.schemas import (
    ClientCredentialsGrant,
    Grant,
    LogoutRequest,
    PasswordGrant,
    RefreshGrant,
    TokenResponse,
)
from services.identity.user import repository as users
from services.identity.user.models import User
from shared.events.contracts.identity import SessionRevoked

REFRESH_REFUSED = "the refresh token is invalid, expired or revoked"


async def issue(session: AsyncSession, grant: Grant, ctx: GrantContext) -> TokenResponse:
    """Answer one token request (raises InvalidGrant or RateLimited when refused)."""
    if isinstance(grant, PasswordGrant):
        return await password(session, grant, ctx)
    if isinstance(grant, RefreshGrant):
        return await refresh(session, grant, ctx)
    return await client_credentials(session, grant, ctx)


async def password(session: AsyncSession, grant: PasswordGrant,
                   ctx: GrantContext) -> TokenResponse:
    ctx.limiter.attempt(ctx.ip, f"person|{grant.username.strip().lower()}")
    user, organisation = await authenticate(session, ctx, grant="password", name=grant.username,
                                            secret=grant.password)
    ctx.limiter.succeeded(ctx.ip)
    now = datetime.now(UTC)
    return TokenResponse(
        access_token=await access_token(ctx, user, organisation, audience=grant.audience,
                                        now=now),
        expires_in=ctx.settings.access_token_ttl,
        refresh_token=refresh_token(session, ctx, user, audience=grant.audience, now=now),
        refresh_expires_in=ctx.settings.refresh_token_ttl)


async def client_credentials(session: AsyncSession, grant: ClientCredentialsGrant,
                             ctx: GrantContext) -> TokenResponse:
    ctx.limiter.attempt(ctx.ip, f"service|{grant.client_id}")
    user, organisation = await authenticate(session, ctx, grant="client_credentials",
                                            name=grant.client_id, secret=grant.client_secret)
    ctx.limiter.succeeded(ctx.ip)
    token = await access_token(ctx, user, organisation, audience=grant.audience,
                               now=datetime.now(UTC))
    return TokenResponse(access_token=token, expires_in=ctx.settings.access_token_ttl)


async def refresh(session: AsyncSession, grant: RefreshGrant,
                  ctx: GrantContext) -> TokenResponse:
    """Spend a refresh token for new tokens; spending one twice revokes its family."""
    now = datetime.now(UTC)
    token = await repository.by_token(session, grant.refresh_token)
    if token is None or token.revoked_at is not None or aware(token.expires_at) <= now:
        raise InvalidGrant(REFRESH_REFUSED)
    if token.used_at is not None or not await repository.claim(session, token.id, now):
        await _reused(session, ctx, token, now)
        raise InvalidGrant(REFRESH_REFUSED)
    found = await users.with_organisation(session, user_id=token.user_id)
    if found is None or found[0].disabled_at is not None:
        raise InvalidGrant(REFRESH_REFUSED)
    user, organisation = found
    audience = grant.audience or token.audience
    return TokenResponse(
        access_token=await access_token(ctx, user, organisation, audience=audience, now=now),
        expires_in=ctx.settings.access_token_ttl,
        refresh_token=refresh_token(session, ctx, user, audience=audience, now=now,
                                    family_id=token.family_id),
        refresh_expires_in=ctx.settings.refresh_token_ttl)


async def logout(session: AsyncSession, request: LogoutRequest, ctx: GrantContext) -> None:
    """Revoke the session (refresh-token family); unknown or spent tokens are ignored."""
    token = await repository.by_token(session, request.refresh_token)
    if token is None:
        return
    families = await repository.revoke(session, datetime.now(UTC), family_id=token.family_id)
    if families:
        user = await _owner(session, token)
        audit.record(session, "session.revoked", actor=user.id, subject=user.id,
                     org_id=user.organisation_id, ip=ctx.ip,
                     details={"family_ids": families, "reason": "logout"})
        await _publish(session, user, families, "logout")


async def _reused(session: AsyncSession, ctx: GrantContext, token: RefreshToken,
                  now: datetime) -> None:
    # A spent token came back: it was stolen, or its holder was. End the whole session.
    families = await repository.revoke(session, now, family_id=token.family_id)
    user = await _owner(session, token)
    audit.record(session, "token.refresh_reused", actor="anonymous", subject=user.id,
                 org_id=user.organisation_id, ip=ctx.ip,
                 details={"family_id": token.family_id, "revoked": bool(families)})
    if families:
        await _publish(session, user, families, "refresh_reuse")


async def _owner(session: AsyncSession, token: RefreshToken) -> User:
    user = await session.get(User, token.user_id)
    assert user is not None  # a foreign key guarantees it
    return user


async def _publish(session: AsyncSession, user: User, families: list[str],
                   reason: Literal["logout", "refresh_reuse"]) -> None:
    await outbox.add(session, SessionRevoked(user_id=user.id, organisation_id=user.organisation_id,
                                             family_ids=families, reason=reason))
