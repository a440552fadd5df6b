"""Token verification and access rules that every service enforces.

Access tokens are RS256 JWTs signed by the identity service. Services verify them locally
against identity's JWKS (cached; refetched once when a token names an unknown key id), with
the algorithm fixed, and check issuer, audience, expiry and token type. A token that passed is
remembered until it expires (access tokens are stateless: nothing but time and the key set can
change the answer), so a client's repeated calls cost a dictionary lookup, not an RSA
verification; a remembered token is refused again once its key leaves the key set.

Every route declares an access rule through `require(...)` or `PUBLIC`; `route_access_rule`
lets a test prove that no route was left without one (deny by default).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import httpx
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shared.errors import Forbidden, Unauthorized

ALGORITHM = "RS256"
VERIFIED_CACHE_SIZE = 4096  # tokens remembered per verifier (about 1 KiB each)
ACCESS_TOKEN_TYPE = "access"  # noqa: S105  # nosec B105  # a claim value
logger = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False, description="Access token from the identity service")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user or service account, its organisation and its roles."""

    subject: str
    org_id: str
    org_type: str
    roles: frozenset[str]
    token_id: str
    expires_at: int

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)


class KeySource(Protocol):
    async def key_set(self, *, refresh: bool = False) -> KeySet: ...


class StaticKeys:
    """Keys held in process (the identity service itself, and tests)."""

    def __init__(self, provider: Callable[[], KeySet]) -> None:
        self.provider = provider

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        return self.provider()


class RemoteJWKS:
    """Identity's JWKS over HTTP: cached for `ttl`, refetched at most every `min_refresh` s.

    When a refetch fails (identity restarting, a network blip), the keys already held keep
    verifying tokens and the next attempt waits `min_refresh`: a short identity outage must not
    turn every valid token in every service into a 401.
    """

    def __init__(self, url: str, *, ttl: float = 300.0, min_refresh: float = 5.0,
                 timeout: float = 2.0, attempts: int = 3) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self.timeout = timeout
        self.attempts = attempts
        self._keys: KeySet | None = None
        self._fetched_at = -float("inf")
        self._attempted_at = -float("inf")
        self._lock = asyncio.Lock()

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        if self._due(refresh):
            async with self._lock:
                if self._due(refresh):  # not if another task fetched while this one waited
                    await self._refetch()
        if self._keys is None:
            raise Unauthorized("signing keys unavailable")
        return self._keys

    def _due(self, refresh: bool) -> bool:
        now = time.monotonic()
        if now - self._attempted_at < self.min_refresh:
            return False
        return self._keys is None or refresh or now - self._fetched_at > self.ttl

    async def _refetch(self) -> None:
        try:
            self._keys = await self._fetch()
            self._fetched_at = time.monotonic()
        except Unauthorized as exc:
            if self._keys is None:
                raise
            logger.warning("JWKS refetch from %s failed (%s); verifying with the cached keys",
                           self.url, exc.detail)
        finally:
            self._attempted_at = time.monotonic()

    async def _fetch(self) -> KeySet:
        error: Exception | None = None
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for attempt in range(self.attempts):
                try:
                    response = await client.get(self.url)
                    response.raise_for_status()
                    return KeySet.import_key_set(response.json())
                except (httpx.HTTPError, ValueError) as exc:
                    error = exc
                if attempt + 1 < self.attempts:
                    await asyncio.sleep(0.1 * 2**attempt)
        raise Unauthorized(f"signing keys unavailable: {error}")


class TokenVerifier:
    """Checks signature, algorithm, issuer, audience, expiry and token type, and remembers the
    tokens that passed until they expire (`cache_size` at most, oldest forgotten first; 0
    remembers none)."""

    def __init__(self, keys: KeySource, *, issuer: str, audience: str, leeway: int = 5,
                 clock: Callable[[], float] = time.time,
                 cache_size: int = VERIFIED_CACHE_SIZE) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.clock = clock
        self._claims = jwt.JWTClaimsRegistry(
            now=lambda: int(clock()),
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            sub={"essential": True}, exp={"essential": True}, jti={"essential": True},
            leeway=leeway,
        )
        self.cache_size = cache_size
        self._verified: dict[str, tuple[Principal, str]] = {}  # token -> (caller, its key id)
        self._kids: tuple[KeySet | None, frozenset[str]] = (None, frozenset())

    async def verify(self, token: str) -> Principal:
        keys = await self.keys.key_set()
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, kid = remembered
            # The checks that could change since the token passed: its expiry (exactly as the
            # claims check: expired once exp <= now - leeway) and whether its key is published.
            now = int(self.clock())
            if now < principal.expires_at + self.leeway and kid in self._kid_set(keys):
                return principal
            del self._verified[token]
        principal, kid = await self._verify(token, keys)
        if self.cache_size > 0:  # 0: remember nothing
            if len(self._verified) >= self.cache_size:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[token] = (principal, kid)
        return principal

    def _kid_set(self, keys: KeySet) -> frozenset[str]:
        held, kids = self._kids
        if held is not keys:
            kids = frozenset(str(key.kid) for key in keys.keys)
            self._kids = (keys, kids)
        return kids

    async def _verify(self, token: str, keys: KeySet) -> tuple[Principal, str]:
        try:
            decoded = self._decode(token, keys)
        except _UnknownKey:
            decoded = self._decode(token, await self.keys.key_set(refresh=True))
        claims = decoded.claims
        try:
            self._claims.validate(claims)
        except JoseError as exc:
            raise Unauthorized(f"token rejected: {exc.description or exc.error}") from None
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise Unauthorized("token rejected: not an access token")
        try:
            principal = Principal(
                subject=str(claims["sub"]), org_id=str(claims["org_id"]),
                org_type=str(claims["org_type"]), roles=frozenset(claims["roles"]),
                token_id=str(claims["jti"]), expires_at=int(claims["exp"]))
        except (KeyError, TypeError, ValueError):
            raise Unauthorized("token rejected: missing claims") from None
        return principal, str(decoded.header["kid"])

    def _decode(self, token: str, keys: KeySet) -> Any:
        try:
            header = jws.extract_compact(token.encode()).protected if token else None
        except (JoseError, ValueError):
            raise Unauthorized("token rejected: malformed") from None
        if not header or header.get("alg") != ALGORITHM:
            raise Unauthorized("token rejected: algorithm not accepted")
        kid = header.get("kid")
        if not kid or not any(key.kid == kid for key in keys.keys):
            raise _UnknownKey
        try:
            return jwt.decode(token, keys, algorithms=[ALGORITHM])
        except (JoseError, ValueError):
            raise Unauthorized("token rejected: bad signature") from None


class _UnknownKey(Unauthorized):
    def __init__(self) -> None:
        super().__init__("token rejected: unknown signing key")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; 401 problem+json without a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer access token is required")
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(credentials.credentials)


AccessRule = Callable[..., Awaitable[Any]]


def require(*roles: str) -> AccessRule:
    """Access rule: a verified caller holding any of `roles` (any role when none given)."""
    wanted = frozenset(roles)

    async def rule(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if wanted and not principal.has_any(wanted):
            raise Forbidden("your roles do not allow this action")
        return principal

    rule.access_rule = f"roles:{','.join(sorted(wanted)) or '*'}"  # type: ignore[attr-defined]
    return rule


async def _public() -> None:
    return None


_public.access_rule = "public"  # type: ignore[attr-defined]
PUBLIC = Depends(_public)


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    dependant: Any


def api_routes(app: Any) -> list[RouteInfo]:
    """Every API operation of `app` with its effective dependencies (included routers too)."""
    found: list[RouteInfo] = []
    pending: list[Any] = list(app.routes)
    while pending:
        route = pending.pop(0)
        if isinstance(route, APIRoute):
            found.append(RouteInfo(route.path, frozenset(route.methods or ()), route.dependant))
        elif hasattr(route, "effective_candidates"):  # FastAPI's lazily included router
            pending.extend(route.effective_candidates())
        elif getattr(route, "dependant", None) is not None and getattr(route, "methods", None):
            found.append(RouteInfo(route.path, frozenset(route.methods), route.dependant))
    return found


def route_access_rule(route: APIRoute | RouteInfo) -> str | None:
    """The access rule a route declared, or None (a test fails on None)."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        rule = getattr(dependant.call, "access_rule", None)
        if rule is not None:
            return str(rule)
        pending.extend(dependant.dependencies)
    return None


def remote_verifier(*, identity_url: str, issuer: str, audience: str) -> TokenVerifier:
    """The verifier a service other than identity uses: identity's JWKS over HTTP."""
    jwks = RemoteJWKS(identity_url.rstrip("/") + "/.well-known/jwks.json")
    return TokenVerifier(jwks, issuer=issuer, audience=audience)
