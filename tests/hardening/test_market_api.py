"""Schemathesis against the market API, as each caller in CALLERS["market"]."""

from __future__ import annotations

import schemathesis

from tests.hardening.fuzz import exercise, load
from tests.hardening.live import LiveApi

schema = load("market")


@schema.parametrize()
def test_no_server_error_and_every_answer_as_declared(case: schemathesis.Case,
                                                      market_api: LiveApi) -> None:
    exercise(market_api, case)
