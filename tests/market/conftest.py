"""Market API test fixtures: a rolled-back app and tokens for every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.market.helpers import People, people


@pytest.fixture
async def market(service_app: Any) -> AsyncIterator[ServiceHarness]:
    async with service_app("market") as harness:
        yield harness


@pytest.fixture
def who(tokens: TokenFactory) -> People:
    return people(tokens)
