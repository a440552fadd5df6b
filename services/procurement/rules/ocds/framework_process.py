"""The framework's contracting process: its tender and the admission of every supplier."""

from __future__ import annotations

from collections.abc import Sequence

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


def framework_release_package(framework: Framework, publication: Publication) -> Json:
    """A release package for the framework, as at the naming of its suppliers."""
    agreement = framework.framework
    ocid = framework_ocid(framework, publication)
    owner = party_ref(publication.framework_owner_id, agreement.owner)
    parties = [{**owner, "roles": ["buyer", "procuringEntity"]}]
    parties += [{**party_ref(s.code, s.name), "roles": ["tenderer", "supplier"]}
                for s in framework.suppliers]
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{agreement.suppliers_announced_on.isoformat()}",
        "date": ocds_datetime(agreement.suppliers_announced_on),
        "tag": ["tender", "award"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": owner,
        "tender": _tender(framework, owner),
        "awards": [_admission(framework, s.code, s.name, s.approved_lists)
                   for s in framework.suppliers],
    }
    return release_package(ocid, publication, release)


def _tender(framework: Framework, owner: Json) -> Json:
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
        "tenderers": [party_ref(s.code, s.name) for s in framework.suppliers],
        "contractPeriod": period(agreement.start_date, agreement.end_date),
    }


def _admission(framework: Framework, code: str, name: str, lists: Sequence[str]) -> Json:
    agreement = framework.framework
    return {
        "id": f"{agreement.code}-{code}",
        "title": f"Admission to the {agreement.code} framework ({', '.join(lists)} lists)",
        "status": "active",
        "date": ocds_datetime(agreement.suppliers_announced_on),
        "suppliers": [party_ref(code, name)],
        "contractPeriod": period(agreement.start_date, agreement.end_date),
    }
