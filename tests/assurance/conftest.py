"""Assurance API fixtures: a rolled-back app, a small organisation directory, callers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.assurance.helpers import Api, World, seed_world


@pytest.fixture
async def assurance(service_app: Any) -> AsyncIterator[ServiceHarness]:
    async with service_app("assurance", gc_freeze_after_startup=False) as harness:
        yield harness


@pytest.fixture
async def world(assurance: ServiceHarness) -> World:
    return await seed_world(assurance.session)


@pytest.fixture
def api(assurance: ServiceHarness, tokens: TokenFactory) -> Api:
    return Api(assurance.client, tokens)
