"""shared.scope over identity's own `organisation` table (real PostgreSQL)."""

from __future__ import annotations

from datetime import date

from services.identity.organisation.models import Organisation
from shared.auth import Principal
from shared.scope import ALL, can_see, identity_directory, visible_organisations
from shared.testing.plugin import ServiceHarness
from tests.identity.conftest import Orgs


def member(organisation: Organisation) -> Principal:
    return Principal(subject="u", org_id=organisation.id, org_type=organisation.type,
                     roles=frozenset(), token_id="t", expires_at=0)


class TestIdentityDirectory:
    async def test_an_sha_sees_itself_and_its_pcts(self, identity: ServiceHarness,
                                                   orgs: Orgs) -> None:
        directory = identity_directory(identity.session, Organisation.__table__)
        assert await visible_organisations(member(orgs.sha), directory) == {
            orgs.sha.id, orgs.pct.id, orgs.sibling_pct.id}

    async def test_an_sha_does_not_see_another_shas_pct(self, identity: ServiceHarness,
                                                        orgs: Orgs) -> None:
        directory = identity_directory(identity.session, Organisation.__table__)
        assert await can_see(member(orgs.sha), orgs.pct.id, directory) is True
        assert await can_see(member(orgs.sha), orgs.far_pct.id, directory) is False

    async def test_a_pct_and_a_supplier_see_only_themselves(self, identity: ServiceHarness,
                                                             orgs: Orgs) -> None:
        directory = identity_directory(identity.session, Organisation.__table__)
        assert await visible_organisations(member(orgs.pct), directory) == {orgs.pct.id}
        assert await can_see(member(orgs.supplier), orgs.other_supplier.id, directory) is False
        assert await visible_organisations(member(orgs.nhscb), directory) is ALL

    async def test_a_pct_abolished_before_the_date_is_not_a_child(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        orgs.sibling_pct.valid_to = date(2011, 3, 31)
        await identity.session.flush()
        directory = identity_directory(identity.session, Organisation.__table__,
                                       on=date(2012, 1, 1))
        assert await visible_organisations(member(orgs.sha), directory) == {
            orgs.sha.id, orgs.pct.id}
