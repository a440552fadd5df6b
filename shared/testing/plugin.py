"""Pytest plugin: real PostgreSQL and Kafka for the suite, per-test rolled-back service apps.

- PostgreSQL: `TEST_DATABASE_URL` (an admin libpq URL such as postgresql://u:p@host/postgres)
  points at an external server; otherwise a throwaway cluster is started for the session.
- Kafka: `KAFKA_BOOTSTRAP_SERVERS` points at an external broker; otherwise the real Apache
  Kafka broker from deploy/kafka/broker.sh is started (only when a test asks for it).
- `service_app("assurance")` gives an app and client whose session is bound to one connection
  with an outer transaction that is rolled back when the test ends.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.auth import StaticKeys, TokenVerifier
from shared.db import create_engine, create_read_sessionmaker
from shared.migrations import upgrade
from shared.testing.tokens import TokenFactory

SERVICES = ("identity", "assurance", "procurement", "market")
REPO = Path(__file__).resolve().parents[2]


class ExternalPostgres:
    """A PostgreSQL server we did not start: databases are created through its admin URL."""

    def __init__(self, admin_url: str) -> None:
        self.admin = admin_url

    def create_database(self, name: str) -> str:
        from shared.testing.postgres import recreate_database

        return recreate_database(self.admin, name)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The PostgreSQL server for the session (started here unless TEST_DATABASE_URL is set)."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield ExternalPostgres(external)
        return
    from shared.testing.postgres import PostgresCluster

    cluster = PostgresCluster(tmp_path_factory.mktemp("postgres"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@dataclass
class ServiceDatabases:
    """One migrated database per service, created on first use in the session."""

    postgres: Any
    urls: dict[str, str]

    def url(self, service: str) -> str:
        if service not in self.urls:
            url = self.postgres.create_database(f"test_{service}")
            upgrade(_module(service, "cli").MIGRATIONS, url)
            self.urls[service] = url
        return self.urls[service]

    def fresh(self, name: str, service: str) -> str:
        """A new, migrated database of `service`'s schema (for tests that run workers)."""
        url = self.postgres.create_database(name)
        upgrade(_module(service, "cli").MIGRATIONS, url)
        return url


@pytest.fixture(scope="session")
def databases(postgres: Any) -> ServiceDatabases:
    return ServiceDatabases(postgres, {})


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    """Signs access tokens for any role and organisation (identity's signing code)."""
    return TokenFactory()


@dataclass
class ServiceHarness:
    service: str
    app: FastAPI
    client: httpx.AsyncClient
    session: AsyncSession

    def settings(self) -> Any:
        return self.app.state.settings


def settings_for(service: str, **overrides: Any) -> Any:
    settings_cls = _module(service, "config").Settings
    return settings_cls(**overrides)


@pytest.fixture
def service_app(databases: ServiceDatabases, tokens: TokenFactory,
                ) -> Callable[..., AbstractAsyncContextManager[ServiceHarness]]:
    """`async with service_app("identity") as h:` an app whose writes are rolled back."""

    @asynccontextmanager
    async def open_app(service: str, **overrides: Any) -> AsyncIterator[ServiceHarness]:
        settings = settings_for(service, database_url=databases.url(service),
                                kafka_bootstrap_servers="127.0.0.1:9", log_json=False,
                                token_issuer=tokens.issuer, **overrides)
        app = _module(service, "app").create_app(settings)
        engine: AsyncEngine = app.state.engine
        async with engine.connect() as conn:
            outer = await conn.begin()
            sessionmaker = async_sessionmaker(bind=conn, expire_on_commit=False,
                                              autoflush=False,
                                              join_transaction_mode="create_savepoint")
            app.state.sessionmaker = sessionmaker
            app.state.read_sessionmaker = create_read_sessionmaker(
                conn, join_transaction_mode="create_savepoint")
            if hasattr(app.state, "keys"):
                app.state.keys.sessionmaker = sessionmaker
            app.state.verifier = _test_verifier(app, tokens, service)
            async with app.router.lifespan_context(app), sessionmaker() as session:
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport,
                                             base_url=f"http://{service}.test") as client:
                    yield ServiceHarness(service, app, client, session)
            await outer.rollback()
        await engine.dispose()

    return open_app


@pytest.fixture
def live_app(tokens: TokenFactory) -> Callable[..., AbstractAsyncContextManager[Any]]:
    """`async with live_app("identity", settings) as (app, client):` commits for real."""

    @asynccontextmanager
    async def open_app(service: str, settings: Any) -> AsyncIterator[tuple[FastAPI, Any]]:
        app = _module(service, "app").create_app(settings)
        app.state.verifier = _test_verifier(app, tokens, service)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport,
                                         base_url=f"http://{service}.test") as client:
                yield app, client

    return open_app


def _test_verifier(app: FastAPI, tokens: TokenFactory, audience: str) -> TokenVerifier:
    """Accepts the test factory's tokens and, for identity, the tokens it issues itself."""
    own = getattr(app.state, "keys", None)

    def keys() -> KeySet:
        members = list(tokens.key_set().keys)
        if own is not None:
            members += list(own.public_key_set().keys)
        return KeySet(members)

    return TokenVerifier(StaticKeys(keys), issuer=tokens.issuer, audience=audience)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The Kafka broker for the session (started here unless KAFKA_BOOTSTRAP_SERVERS is set)."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield _ExternalKafka(external)
        return
    from shared.testing.kafka import KafkaBroker

    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class _ExternalKafka:
    bootstrap: str


def _module(service: str, name: str) -> Any:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return importlib.import_module(f"services.{service}.{name}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath) or "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


__all__ = ["REPO", "SERVICES", "ServiceDatabases", "ServiceHarness", "create_engine",
           "settings_for"]
