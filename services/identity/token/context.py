"""What a token grant needs besides the session: settings, keys, hasher, limiter, caller IP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.identity.audit.service import client_ip
from services.identity.config import Settings
from services.identity.token.keys import KeyStore
from services.identity.token.ratelimit import LoginLimits
from services.identity.user.passwords import Passwords


@dataclass(frozen=True)
class GrantContext:
    settings: Settings
    keys: KeyStore
    passwords: Passwords
    limiter: LoginLimits
    ip: str | None


def grant_context(request: Request) -> GrantContext:
    state = request.app.state
    return GrantContext(settings=state.settings, keys=state.keys, passwords=state.passwords,
                        limiter=state.login_limits, ip=client_ip(request))


GrantContextDep = Annotated[GrantContext, Depends(grant_context)]
