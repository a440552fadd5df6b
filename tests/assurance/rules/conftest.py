"""Fixtures for the pure assurance rules: the real reference files."""

from __future__ import annotations

import pytest

from services.assurance.rules.framework import Framework, load_framework
from services.assurance.rules.policy import AutonomyRules, load_autonomy_rules


@pytest.fixture(scope="session")
def year1() -> Framework:
    return load_framework("wcc-2008-09")


@pytest.fixture(scope="session")
def year2() -> Framework:
    return load_framework("wcc-2009-10")


@pytest.fixture(scope="session")
def rules1() -> AutonomyRules:
    return load_autonomy_rules("autonomy-rules-2008-09")


@pytest.fixture(scope="session")
def rules2() -> AutonomyRules:
    return load_autonomy_rules("autonomy-rules-2009-10")
