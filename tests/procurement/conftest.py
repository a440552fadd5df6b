"""Procurement test fixtures: a rolled-back app with a fixed clock, a directory and suppliers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.procurement.clock import FixedClock
from services.procurement.supplier.service import seed
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.procurement.helpers import START, World, add_directory


@pytest.fixture
async def proc(service_app: Any) -> AsyncIterator[ServiceHarness]:
    async with service_app("procurement") as harness:
        harness.app.state.clock = FixedClock(START)
        yield harness


@pytest.fixture
def clock(proc: ServiceHarness) -> FixedClock:
    """The app's clock: `clock.advance(days=15)` moves the service's time."""
    fixed: FixedClock = proc.app.state.clock
    return fixed


@pytest.fixture
async def world(proc: ServiceHarness, tokens: TokenFactory) -> World:
    """DoH > two SHAs > three PCTs, NHS CB, the 14 suppliers in the directory and seeded."""
    world = await add_directory(proc.session, tokens)
    await seed(proc.session, proc.app.state.framework,
               now=datetime(2007, 10, 5, tzinfo=UTC))
    await proc.session.commit()
    return world
