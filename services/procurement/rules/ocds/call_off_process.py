"""A call-off's contracting process, linked to the framework's, with its contract's risks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.procurement.rules.framework import Framework
from services.procurement.rules.money import format_percent
from services.procurement.rules.ocds.common import (
    Json,
    Organisation,
    Publication,
    framework_ocid,
    ocds_datetime,
    package_uri,
    party_ref,
    period,
    release_package,
    supplier_ref,
    value,
)
from services.procurement.rules.payments.risk import at_risk_percent
from services.procurement.rules.payments.terms import parse_terms


@dataclass(frozen=True, slots=True)
class CallOffAward:
    """The awarded bid and the contract that followed it."""

    supplier_id: str
    value_pence: int
    decided_on: date
    contract_id: str
    contract_start: date
    contract_end: date
    payment_model: str
    payment_params: Mapping[str, object]
    signed_on: date | None = None


@dataclass(frozen=True, slots=True)
class CallOffRecord:
    """What the open data says about one call-off (a mini-competition under the framework)."""

    call_off_id: str
    title: str
    buyer: Organisation
    package_type: str
    services: tuple[str, ...]
    published_on: date
    bidder_ids: tuple[str, ...] = ()
    estimated_value_pence: int | None = None
    award: CallOffAward | None = None
    description: str = ""
    cancelled: bool = False


def call_off_ocid(record: CallOffRecord, publication: Publication) -> str:
    return f"{publication.ocid_prefix}-{record.call_off_id}"


def call_off_release_package(
    framework: Framework, record: CallOffRecord, publication: Publication
) -> Json:
    """A release package for one call-off, as at its latest step (published, awarded, signed)."""
    ocid = call_off_ocid(record, publication)
    latest = _latest_date(record)
    release: Json = {
        "ocid": ocid,
        "id": f"{ocid}-{latest.isoformat()}",
        "date": ocds_datetime(latest),
        "tag": _tags(record),
        "initiationType": "tender",
        "language": "en",
        "parties": _parties(framework, record),
        "buyer": party_ref(record.buyer.id, record.buyer.name),
        "relatedProcesses": [_framework_link(framework, publication)],
        "tender": _tender(framework, record),
    }
    if record.award:
        release["awards"] = [_award(framework, record, record.award)]
        release["contracts"] = [_contract(framework, record, record.award)]
    return release_package(ocid, publication, release)


def _tags(record: CallOffRecord) -> list[str]:
    if record.cancelled:
        return ["tenderCancellation"]
    return ["tender", "award", "contract"] if record.award else ["tender"]


def _framework_link(framework: Framework, publication: Publication) -> Json:
    ocid = framework_ocid(framework, publication)
    return {"id": "framework", "relationship": ["framework"], "title": framework.framework.name,
            "scheme": "ocid", "identifier": ocid, "uri": package_uri(ocid, publication)}


def _parties(framework: Framework, record: CallOffRecord) -> list[Json]:
    winner = record.award.supplier_id if record.award else None
    parties = [{**party_ref(record.buyer.id, record.buyer.name),
                "roles": ["buyer", "procuringEntity"]}]
    for code in dict.fromkeys((*record.bidder_ids, *([winner] if winner else []))):
        roles = ["tenderer", "supplier"] if code == winner else ["tenderer"]
        parties.append({**supplier_ref(framework, code), "roles": roles})
    return parties


def _tender(framework: Framework, record: CallOffRecord) -> Json:
    names = {s.code: s.name for g in framework.groupings for s in g.services}
    tender: Json = {
        "id": record.call_off_id,
        "title": record.title,
        "status": "cancelled" if record.cancelled else "complete" if record.award else "active",
        "procurementMethod": "selective",
        "procurementMethodDetails": (f"Mini-competition among {framework.framework.code} "
                                     f"suppliers on the {record.package_type} list"),
        "mainProcurementCategory": "services",
        "procuringEntity": party_ref(record.buyer.id, record.buyer.name),
        "techniques": {"hasFrameworkAgreement": True},
        "items": [{"id": code, "description": names.get(code, code)} for code in record.services],
        "tenderers": [supplier_ref(framework, code) for code in record.bidder_ids],
        "numberOfTenderers": len(record.bidder_ids),
        "tenderPeriod": {"startDate": ocds_datetime(record.published_on)},
    }
    if record.description:
        tender["description"] = record.description
    if record.estimated_value_pence is not None:
        tender["value"] = value(record.estimated_value_pence)
    return tender


def _award(framework: Framework, record: CallOffRecord, award: CallOffAward) -> Json:
    return {
        "id": f"{record.call_off_id}-award",
        "status": "active",
        "date": ocds_datetime(award.decided_on),
        "value": value(award.value_pence),
        "suppliers": [supplier_ref(framework, award.supplier_id)],
        "contractPeriod": period(award.contract_start, award.contract_end),
    }


def _contract(framework: Framework, record: CallOffRecord, award: CallOffAward) -> Json:
    contract: Json = {
        "id": award.contract_id,
        "awardID": f"{record.call_off_id}-award",
        "title": record.title,
        "status": "active" if award.signed_on else "pending",
        "value": value(award.value_pence),
        "period": period(award.contract_start, award.contract_end),
        "riskAllocation": contract_risks(framework, award.payment_model, award.payment_params),
    }
    if award.signed_on:
        contract["dateSigned"] = ocds_datetime(award.signed_on)
    return contract


def contract_risks(framework: Framework, model: str, params: Mapping[str, object]) -> list[Json]:
    """The contract's risks in riskAllocation-extension form (see the package docstring)."""
    terms = parse_terms(model, params)
    spec = framework.payment_model(terms.model)
    share = at_risk_percent(terms) / 100
    risks: list[Json] = [{
        "id": "accountability", "category": "compliance", "allocation": "publicAuthority",
        "description": ("The PCT keeps its statutory functions and stays fully responsible and "
                        "accountable for the services it buys."),
    }]
    note = f"{spec.name} payment model; risk transfer to the supplier: {spec.risk_transfer}."
    if share in (0, 1):
        bearer = ("The PCT bears the performance risk: the whole fee is paid whatever the "
                  "results." if share == 0 else "The whole fee depends on results.")
        allocation = "publicAuthority" if share == 0 else "privateParty"
    else:
        bearer = (f"{format_percent(share)} of the fee depends on results (borne by the "
                  f"supplier); {format_percent(1 - share)} is paid whatever the results "
                  "(the PCT bears the performance risk on it).")
        allocation = "shared"
    risks.append({"id": "performance", "category": "availabilityAndQuality",
                  "allocation": allocation, "notes": note, "description": bearer})
    return risks


def _latest_date(record: CallOffRecord) -> date:
    award = record.award
    if award is None:
        return record.published_on
    return max(d for d in (record.published_on, award.decided_on, award.signed_on) if d)
