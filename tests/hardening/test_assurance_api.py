"""Schemathesis against the assurance API, as each caller in CALLERS["assurance"]."""

from __future__ import annotations

import schemathesis

from tests.hardening.fuzz import exercise, load
from tests.hardening.live import LiveApi

schema = load("assurance")


@schema.parametrize()
def test_no_server_error_and_every_answer_as_declared(case: schemathesis.Case,
                                                      assurance_api: LiveApi) -> None:
    exercise(assurance_api, case)
