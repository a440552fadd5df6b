"""Schemathesis against the procurement API, as each caller in CALLERS["procurement"]."""

from __future__ import annotations

import schemathesis

from tests.hardening.fuzz import exercise, load
from tests.hardening.live import LiveApi

schema = load("procurement")


@schema.parametrize()
def test_no_server_error_and_every_answer_as_declared(case: schemathesis.Case,
                                                      procurement_api: LiveApi) -> None:
    exercise(procurement_api, case)
