"""`seed-demo-users`: the demo users of make run, and the role catalogue's documentation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from services.identity.cli import _seed_demo_users
from services.identity.config import Settings
from services.identity.organisation.seed import seed_reference_organisations
from services.identity.user.passwords import Passwords
from services.identity.user.roles import catalogue
from services.identity.user.seed import seed_demo_users
from shared.testing.plugin import ServiceHarness
from tests.identity.helpers import claims_of, password_login

DOCS = Path(__file__).resolve().parents[3] / "docs" / "roles.md"
DEMO_PASSWORD = "demo-password-for-tests"
FAST = Passwords(memory_kib=1024, time_cost=1, parallelism=1)
EXPECTED = {
    "doh.admin": ("DH", "DOH", ["doh_admin"]),
    "doh.dg": ("DH", "DOH", ["doh_dg_commissioning"]),
    "nhscb.analyst": ("X24", "NHSCB", ["nhscb_analyst"]),
    "q31.admin": ("Q31", "SHA", ["sha_admin"]),
    "q31.assessor": ("Q31", "SHA", ["sha_assessor"]),
    "5nt.admin": ("5NT", "PCT", ["pct_admin"]),
    "5nt.commissioner": ("5NT", "PCT", ["pct_commissioner"]),
    "fesc01.bidder": ("FESC01", "SUPPLIER", ["supplier_bidder"]),
}


@pytest.fixture
async def seeded(identity: ServiceHarness) -> ServiceHarness:
    await seed_reference_organisations(identity.session)
    await seed_demo_users(identity.session, password=DEMO_PASSWORD, passwords=FAST)
    await identity.session.flush()
    return identity


class TestDemoUsers:
    async def test_each_demo_user_signs_in_with_its_organisation_and_roles(
            self, seeded: ServiceHarness) -> None:
        for username, (_code, org_type, roles) in EXPECTED.items():
            response = await seeded.client.post(
                "/token", json=password_login(username, DEMO_PASSWORD))
            claims = claims_of(seeded.app, response.json()["access_token"])
            assert (claims["org_type"], claims["roles"]) == (org_type, roles), username

    async def test_seeding_again_adds_nobody(self, seeded: ServiceHarness) -> None:
        again = await seed_demo_users(seeded.session, password=DEMO_PASSWORD, passwords=FAST)
        assert [user.username for user in again] == list(EXPECTED)
        assert not any(user.created for user in again)

    async def test_the_default_password_is_refused_in_production(self) -> None:
        settings = Settings(environment="production",
                            database_url="sqlite+aiosqlite:///:memory:")
        with pytest.raises(SystemExit, match="IDENTITY_DEMO_PASSWORD"):
            await _seed_demo_users(settings, argparse.Namespace())


class TestRoleCatalogueDocs:
    def test_docs_list_every_role_with_its_organisation_types(self) -> None:
        text = DOCS.read_text()
        for code, role in catalogue().items():
            row = re.search(rf"^\| `{code}` \|.*$", text, re.MULTILINE)
            assert row, f"{code} missing from docs/roles.md"
            assert all(org_type in row.group(0) for org_type in role.org_types), code
