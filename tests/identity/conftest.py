"""Identity test fixtures: a rolled-back identity app and a small organisation hierarchy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from services.identity.organisation.models import Organisation
from services.identity.token.keys import generate_key
from services.identity.token.models import SigningKey
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.testing.plugin import ServiceDatabases, ServiceHarness
from tests.identity.helpers import FAST_ARGON2, add_org

OpenApp = Callable[..., AbstractAsyncContextManager[ServiceHarness]]


@pytest.fixture(scope="session", autouse=True)
async def signing_key(databases: ServiceDatabases) -> None:
    """One committed signing key, so that each app start need not generate an RSA key."""
    engine = create_engine(databases.url("identity"))
    async with session_scope(create_sessionmaker(engine)) as session:
        if await session.scalar(select(SigningKey.kid).limit(1)) is None:
            session.add(generate_key())
    await engine.dispose()


@pytest.fixture
def open_identity(service_app: Any) -> OpenApp:
    """`async with open_identity(lockout_threshold=3) as h:` with settings overrides."""

    def open_(**overrides: Any) -> AbstractAsyncContextManager[ServiceHarness]:
        return service_app("identity", **{**FAST_ARGON2, **overrides})

    return open_


@pytest.fixture
async def identity(open_identity: OpenApp) -> AsyncIterator[ServiceHarness]:
    async with open_identity() as harness:
        yield harness


@dataclass
class Orgs:
    """DoH > NHS CB > a CCG and a CSU; DoH > two SHAs > PCTs; two suppliers. Test-only codes."""

    doh: Organisation
    nhscb: Organisation
    ccg: Organisation
    csu: Organisation
    sha: Organisation
    other_sha: Organisation
    pct: Organisation
    sibling_pct: Organisation
    far_pct: Organisation
    supplier: Organisation
    other_supplier: Organisation


@pytest.fixture
async def orgs(identity: ServiceHarness) -> Orgs:
    s = identity.session
    doh = await add_org(s, "TDH", "DOH")
    nhscb = await add_org(s, "TX24", "NHSCB", doh)
    sha = await add_org(s, "TQ31", "SHA", doh)
    other_sha = await add_org(s, "TQ30", "SHA", doh)
    return Orgs(
        doh=doh, nhscb=nhscb, ccg=await add_org(s, "T00W", "CCG", nhscb),
        csu=await add_org(s, "T0CS", "CSU", nhscb), sha=sha,
        other_sha=other_sha, pct=await add_org(s, "T5NT", "PCT", sha),
        sibling_pct=await add_org(s, "T5NR", "PCT", sha),
        far_pct=await add_org(s, "T5D7", "PCT", other_sha),
        supplier=await add_org(s, "TSUP1", "SUPPLIER"),
        other_supplier=await add_org(s, "TSUP2", "SUPPLIER"))
