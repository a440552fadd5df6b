"""Checking a password or client secret: lockout, constant answers, audit, rehashing.

Every refusal (unknown account, wrong secret, locked, disabled) answers the same 401 with the
same detail and costs one Argon2 verification, so the answer tells an attacker nothing; the
audit log records the real reason.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit import service as audit
from services.identity.organisation.models import Organisation
from services.identity.token.context import GrantContext
from services.identity.user import repository as users
from services.identity.user.models import User
from services.identity.user.schemas import USERNAME
from shared.errors import Unauthorized

PASSWORD_REFUSED = "invalid username or password"  # noqa: S105  # nosec B105  # a message
CLIENT_REFUSED = "invalid client credentials"


class InvalidGrant(Unauthorized):
    """A refused grant; the session's audit rows and counters must still be committed."""

    def __init__(self, detail: str, error: str = "invalid_grant") -> None:
        super().__init__(detail, error=error)


async def authenticate(session: AsyncSession, ctx: GrantContext, *, grant: str, name: str,
                       secret: str) -> tuple[User, Organisation]:
    """The active account named `name` whose secret is `secret`, or InvalidGrant."""
    if grant == "password":
        found = await users.with_organisation(session, username=name.strip().lower())
    else:
        found = await users.with_organisation(session, client_id=name)
    user, organisation = found if found else (None, None)
    matches = await ctx.passwords.verify(user.secret_hash if user else None, secret)
    now = datetime.now(UTC)
    reason = _refusal(user, matches, now)
    if reason is not None or user is None or organisation is None:
        await _refused(session, ctx, user, grant=grant, name=name, reason=reason, now=now)
        detail = PASSWORD_REFUSED if grant == "password" else CLIENT_REFUSED
        raise InvalidGrant(detail, "invalid_grant" if grant == "password" else "invalid_client")
    await _accepted(session, ctx, user, secret=secret, grant=grant, now=now)
    return user, organisation


def _refusal(user: User | None, matches: bool, now: datetime) -> str | None:
    if user is None:
        return "unknown_account"
    if user.disabled_at is not None:
        return "disabled"
    if user.locked_until is not None and aware(user.locked_until) > now:
        return "locked"
    return None if matches else "bad_secret"


async def _refused(session: AsyncSession, ctx: GrantContext, user: User | None, *, grant: str,
                   name: str, reason: str | None, now: datetime) -> None:
    details: dict[str, object] = {"grant": grant, "reason": reason}
    if user is None:
        # Only a well-formed name is kept: a password typed into the name field is not.
        details["attempted"] = name.lower() if re.match(USERNAME, name.lower()) else "<other>"
        audit.record(session, "login.failed", actor="anonymous", ip=ctx.ip, details=details)
        return
    audit.record(session, "login.failed", actor="anonymous", subject=user.id,
                 org_id=user.organisation_id, ip=ctx.ip, details=details)
    if reason == "bad_secret":
        await _count_failure(session, ctx, user, now)


async def _count_failure(session: AsyncSession, ctx: GrantContext, user: User,
                         now: datetime) -> None:
    failures = await session.scalar(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins).execution_options(synchronize_session=False))
    if failures is not None and failures >= ctx.settings.lockout_threshold:
        until = now + timedelta(seconds=ctx.settings.lockout_seconds)
        await session.execute(
            update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until)
            .execution_options(synchronize_session=False))
        audit.record(session, "login.locked", actor="system:lockout", subject=user.id,
                     org_id=user.organisation_id, ip=ctx.ip, details={
                         "failures": failures, "locked_until": until.isoformat()})


async def _accepted(session: AsyncSession, ctx: GrantContext, user: User, *, secret: str,
                    grant: str, now: datetime) -> None:
    rehashed = ctx.passwords.needs_rehash(user.secret_hash)
    if rehashed:  # the parameters changed since it was hashed
        user.secret_hash = await ctx.passwords.hash(secret)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    audit.record(session, "login.succeeded", actor=user.id, subject=user.id,
                 org_id=user.organisation_id, ip=ctx.ip,
                 details={"grant": grant, "rehashed": rehashed})


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
