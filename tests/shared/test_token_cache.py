"""A verified token is remembered until it expires, and never past what a fresh check allows."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import KeySet

from shared.auth import StaticKeys, TokenVerifier
from shared.errors import Unauthorized
from shared.testing.tokens import TokenFactory

LEEWAY = 5


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Keys:
    """A key set that a test can withdraw keys from, as a rotation would."""

    def __init__(self, *factories: TokenFactory) -> None:
        self.published = list(factories)

    def __call__(self) -> KeySet:
        return KeySet([key for factory in self.published for key in factory.key_set().keys])


@pytest.fixture
def factory() -> TokenFactory:
    return TokenFactory()


def verifier_for(keys: Keys, clock: Clock, *, cache_size: int = 16,
                 audience: str = "assurance") -> TokenVerifier:
    issuer = keys.published[0].issuer
    return TokenVerifier(StaticKeys(keys), issuer=issuer, audience=audience, leeway=LEEWAY,
                         clock=clock, cache_size=cache_size)


def mint(factory: TokenFactory, *, ttl: int = 300, roles: tuple[str, ...] = ("pct_commissioner",),
         audience: str = "assurance") -> str:
    return factory.mint(org_id="org-1", org_type="PCT", roles=roles, audience=audience, ttl=ttl)


async def test_a_remembered_token_gives_the_same_caller(factory: TokenFactory) -> None:
    verifier = verifier_for(Keys(factory), Clock())
    token = mint(factory, roles=("pct_commissioner", "pct_board"))
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert first.roles == {"pct_commissioner", "pct_board"}


async def test_a_remembered_token_is_refused_once_expired(factory: TokenFactory) -> None:
    clock = Clock()
    verifier = verifier_for(Keys(factory), clock)
    token = mint(factory, ttl=60)
    principal = await verifier.verify(token)
    clock.now = principal.expires_at + LEEWAY - 1  # still inside the leeway
    assert await verifier.verify(token) == principal
    clock.now = principal.expires_at + LEEWAY  # where a fresh check refuses it too
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)
    with pytest.raises(Unauthorized, match="expired"):
        await verifier_for(Keys(factory), clock).verify(token)


async def test_a_remembered_token_is_refused_once_its_key_is_withdrawn(
        factory: TokenFactory) -> None:
    rotated = TokenFactory(factory.issuer)
    keys = Keys(factory, rotated)
    verifier = verifier_for(keys, Clock())
    old, new = mint(factory), mint(rotated)
    await verifier.verify(old)
    await verifier.verify(new)
    keys.published = [rotated]
    with pytest.raises(Unauthorized, match="unknown signing key"):
        await verifier.verify(old)
    assert (await verifier.verify(new)).org_id == "org-1"


async def test_refused_tokens_are_never_remembered(factory: TokenFactory) -> None:
    verifier = verifier_for(Keys(factory), Clock())
    wrong_audience = mint(factory, audience="procurement")
    for _ in range(2):
        with pytest.raises(Unauthorized, match="aud"):
            await verifier.verify(wrong_audience)
    header, payload, signature = mint(factory).split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    for _ in range(2):
        with pytest.raises(Unauthorized, match="bad signature"):
            await verifier.verify(forged)


async def test_the_cache_holds_at_most_its_size_and_forgets_the_oldest(
        factory: TokenFactory) -> None:
    verifier = verifier_for(Keys(factory), Clock(), cache_size=3)
    tokens = [mint(factory) for _ in range(5)]
    callers = [await verifier.verify(token) for token in tokens]
    assert list(verifier._verified) == tokens[2:]
    # A forgotten token is verified afresh, not refused.
    assert await verifier.verify(tokens[0]) == callers[0]
    assert list(verifier._verified) == [*tokens[3:], tokens[0]]


async def test_a_cache_of_size_zero_remembers_nothing(factory: TokenFactory) -> None:
    clock = Clock()
    verifier = verifier_for(Keys(factory), clock, cache_size=0)
    token = mint(factory)
    assert (await verifier.verify(token)).org_id == "org-1"
    assert await verifier.verify(token) == await verifier.verify(token)
    assert verifier._verified == {}
