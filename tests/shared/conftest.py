"""Fixtures for tests of shared/ that commit for real (so they get databases of their own)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from shared.testing.plugin import ServiceDatabases


@pytest.fixture
def fresh_database(databases: ServiceDatabases) -> Callable[[str], str]:
    """`fresh_database("identity")`: the URL of a new, migrated database of that schema."""

    def create(service: str) -> str:
        return databases.fresh(f"{service}_{uuid.uuid4().hex[:10]}", service)

    return create
