"""Schemathesis against the identity API, as each caller in CALLERS["identity"]."""

from __future__ import annotations

import schemathesis

from tests.hardening.fuzz import exercise, load
from tests.hardening.live import LiveApi

schema = load("identity")


@schema.parametrize()
def test_no_server_error_and_every_answer_as_declared(case: schemathesis.Case,
                                                      identity_api: LiveApi) -> None:
    exercise(identity_api, case)
