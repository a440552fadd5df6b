"""What both contracting processes share: the package envelope, references, amounts, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services.procurement.rules.framework import Framework

OCDS_VERSION = "1.1"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_techniques_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_riskAllocation_extension/master/extension.json",
)
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Publication:
    """Who publishes, where, under which ocid prefix, and when (passed in by the caller)."""

    publisher_name: str
    base_uri: str
    ocid_prefix: str
    published_at: datetime
    framework_owner_id: str = "DH"  # the identity service's code for the Department of Health


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str


def framework_ocid(framework: Framework, publication: Publication) -> str:
    return f"{publication.ocid_prefix}-{framework.framework.code}"


def package_uri(ocid: str, publication: Publication) -> str:
    return f"{publication.base_uri.rstrip('/')}/release-packages/{ocid}.json"


def release_package(ocid: str, publication: Publication, release: Json) -> Json:
    """A release package holding one release, declaring the extensions used."""
    published = publication.published_at
    if published.tzinfo is None:
        raise ValueError("published_at must carry a time zone")
    return {
        "uri": package_uri(ocid, publication),
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": publication.publisher_name},
        "releases": [release],
    }


def party_ref(party_id: str, name: str) -> Json:
    return {"id": party_id, "name": name}


def supplier_ref(framework: Framework, code: str) -> Json:
    supplier = framework.supplier(code)
    return party_ref(code, supplier.name if supplier else code)


def value(pence: int) -> Json:
    return {"amount": pounds(pence), "currency": "GBP"}


def pounds(pence: int) -> int | float:
    """Pence as a JSON amount in pounds: an int when whole, else the exact 2-place value.

    The float appears only in the JSON: its shortest repr is exactly the 2-place decimal for any
    amount under 10**13 pounds, and no arithmetic is done on it.
    """
    if pence % 100 == 0:
        return pence // 100
    return float(Decimal(pence) / 100)


def period(start: date, end: date) -> Json:
    return {"startDate": ocds_datetime(start), "endDate": ocds_datetime(end)}


def ocds_datetime(day: date) -> str:
    """A domain date as an OCDS date-time: midnight UTC of that day."""
    return f"{day.isoformat()}T00:00:00Z"
