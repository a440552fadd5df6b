"""The framework's contracting process: its tender and the admission of every supplier.

Each supplier's admission is an award. The suppliers come as they stand on the publication day
(the database's status, not the reference file): an active supplier is a party with the
`supplier` role and an active award; a suspended or removed one stays a tenderer, and its
admission award is `cancelled`, with the date and kind of the change in its description (a
reinstatement makes it active again in a later release). Reasons are not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.procurement.rules.framework import Framework
from services.procurement.rules.ocds.common import (
    Json,
    Publication,
    framework_ocid,
    ocds_datetime,
    party_ref,
    period,
    release_package,
)

ACTIVE = "active"
NOT_ACTIVE = {"suspended": "Suspended from the framework from {since}; it may be reinstated.",
              "removed": "Removed from the framework from {since}."}


@dataclass(frozen=True, slots=True)
class FrameworkSupplier:
    """An approved supplier as it stands on the day of publication."""

    code: str
    name: str
    approved_lists: tuple[str, ...]
    status: str = ACTIVE
    status_since: date | None = None


def framework_release_package(framework: Framework, publication: Publication,
                              suppliers: Sequence[FrameworkSupplier] | None = None) -> Json:
    """A release package for the framework, as at the latest change of a supplier's standing.

    `suppliers` are the suppliers as stored (status in force on the publication day); without
    them, every supplier of the reference file is taken as active (as at their naming).
    """
    agreement = framework.framework
    standing = tuple(suppliers) if suppliers is not None else tuple(
        FrameworkSupplier(s.code, s.name, tuple(s.approved_lists)) for s in framework.suppliers)
    as_of = max([agreement.suppliers_announced_on,
                 *(s.status_since for s in standing if s.status_since)])
    ocid = framework_ocid(framework, publication)
    owner = party_ref(publication.framework_owner_id, agreement.owner)
    parties = [{**owner, "roles": ["buyer", "procuringEntity"]}]
    parties += [{**party_ref(s.code, s.name),
                 "roles": ["tenderer", "supplier"] if s.status == ACTIVE else ["tenderer"]}
                for s in standing]
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{as_of.isoformat()}",
        "date": ocds_datetime(as_of),
        "tag": ["tender", "award"] + (["awardUpdate"]
                                      if as_of > agreement.suppliers_announced_on else []),
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": owner,
        "tender": _tender(framework, owner, standing),
        "awards": [_admission(framework, s) for s in standing],
    }
    return release_package(ocid, publication, release)


def _tender(framework: Framework, owner: Json, suppliers: Sequence[FrameworkSupplier]) -> Json:
    agreement = framework.framework
    return {
        "id": agreement.code,
        "title": agreement.name,
        "description": ("Pre-qualified suppliers of external support for commissioners, in "
                        f"{len(agreement.supplier_lists)} lists ("
                        f"{', '.join(agreement.supplier_lists)}) across "
                        f"{len(framework.groupings)} groupings; no guarantee of volume or value."),
        "status": "complete",
        "procurementMethod": "selective",
        "mainProcurementCategory": "services",
        "procuringEntity": owner,
        "techniques": {"hasFrameworkAgreement": True,
                       "frameworkAgreement": {"method": "withReopeningCompetition"}},
        "items": [{"id": g.code, "description": g.name} for g in framework.groupings],
        "tenderers": [party_ref(s.code, s.name) for s in suppliers],
        "contractPeriod": period(agreement.start_date, agreement.end_date),
    }


def _admission(framework: Framework, supplier: FrameworkSupplier) -> Json:
    agreement = framework.framework
    award: Json = {
        "id": f"{agreement.code}-{supplier.code}",
        "title": (f"Admission to the {agreement.code} framework "
                  f"({', '.join(supplier.approved_lists)} lists)"),
        "status": "active" if supplier.status == ACTIVE else "cancelled",
        "date": ocds_datetime(agreement.suppliers_announced_on),
        "suppliers": [party_ref(supplier.code, supplier.name)],
        "contractPeriod": period(agreement.start_date, agreement.end_date),
    }
    if supplier.status != ACTIVE:
        since = supplier.status_since or agreement.suppliers_announced_on
        award["description"] = NOT_ACTIVE[supplier.status].format(since=since.isoformat())
    return award
