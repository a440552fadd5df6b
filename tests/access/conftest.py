"""Fixtures for the cross-service access tests: identity's committed signing key."""

from __future__ import annotations

# One committed identity signing key for the session, so that opening the identity app does
# not generate an RSA key each time (the identity tests' own fixture, autouse here too).
from tests.identity.conftest import signing_key

__all__ = ["signing_key"]
