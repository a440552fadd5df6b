"""Examples of the open-data answers for the OpenAPI document (one supplier or release shown
where the real answer lists them all)."""

from __future__ import annotations

from typing import Any

BASE = "https://procurement.nhs-commissioning.dev/ocds"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_techniques_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_riskAllocation_extension/master/extension.json",
]
PUBLISHER = {"name": "NHS commissioning platform (FESC open data)"}
GBP_250K = {"amount": 250000, "currency": "GBP"}
GBP_240K = {"amount": 240000, "currency": "GBP"}
MANCHESTER = {"id": "5NT", "name": "Manchester PCT"}
BUPA = {"id": "FESC01", "name": "BUPA Commissioning"}
CALL_OFF = "87d48244-774d-4921-8c73-719df2fcbdf7"
OCID = f"ocds-fesc07-{CALL_OFF}"
FRAMEWORK_PROCESS = {
    "id": "framework", "relationship": ["framework"],
    "title": "Framework for procuring External Support for Commissioners", "scheme": "ocid",
    "identifier": "ocds-fesc07-FESC", "uri": f"{BASE}/release-packages/ocds-fesc07-FESC.json"}
TENDER = {
    "id": CALL_OFF, "title": "Managing acute-trust contracts", "status": "active",
    "procurementMethod": "selective",
    "procurementMethodDetails": "Mini-competition among FESC suppliers on the micro list",
    "mainProcurementCategory": "services", "procuringEntity": MANCHESTER,
    "techniques": {"hasFrameworkAgreement": True},
    "items": [{"id": "acute_contract_management", "description": "Managing acute-trust contracts"}],
    "tenderers": [], "numberOfTenderers": 0,
    "tenderPeriod": {"startDate": "2008-06-02T00:00:00Z"}, "value": GBP_250K}
PERIOD = {"startDate": "2008-07-01T00:00:00Z", "endDate": "2009-06-30T00:00:00Z"}


def _package(uri: str, published: str, releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"uri": uri, "version": "1.1", "extensions": EXTENSIONS, "publishedDate": published,
            "publisher": PUBLISHER, "releases": releases}


CALL_OFF_PACKAGE = _package(f"{BASE}/release-packages/{OCID}.json", "2008-06-28T09:00:00Z", [{
    "ocid": OCID, "id": f"{OCID}-2008-06-28", "date": "2008-06-28T00:00:00Z",
    "tag": ["tender", "award", "contract"], "initiationType": "tender", "language": "en",
    "parties": [{**MANCHESTER, "roles": ["buyer", "procuringEntity"]},
                {**BUPA, "roles": ["tenderer", "supplier"]}],
    "buyer": MANCHESTER, "relatedProcesses": [FRAMEWORK_PROCESS],
    "tender": {**TENDER, "status": "complete", "tenderers": [BUPA], "numberOfTenderers": 1},
    "awards": [{"id": f"{CALL_OFF}-award", "status": "active", "date": "2008-06-17T00:00:00Z",
                "value": GBP_240K, "suppliers": [BUPA], "contractPeriod": PERIOD}],
    "contracts": [{
        "id": "c4eeab47-969b-4ef3-9990-e46a18b689ff", "awardID": f"{CALL_OFF}-award",
        "title": "Managing acute-trust contracts", "status": "active", "value": GBP_240K,
        "period": PERIOD, "dateSigned": "2008-06-28T00:00:00Z",
        "riskAllocation": [{
            "id": "performance", "category": "availabilityAndQuality",
            "allocation": "publicAuthority",
            "notes": "Fixed fee payment model; risk transfer to the supplier: none.",
            "description": "The PCT bears the performance risk: the whole fee is paid "
                           "whatever the results."}]}]}])

DH = {"id": "DH", "name": "DH Commercial Directorate"}
FRAMEWORK_PERIOD = {"startDate": "2007-10-05T00:00:00Z", "endDate": "2010-12-31T00:00:00Z"}
FRAMEWORK_PACKAGE = _package(
    f"{BASE}/release-packages/ocds-fesc07-FESC.json", "2007-10-05T00:00:00Z", [{
        "ocid": "ocds-fesc07-FESC", "id": "ocds-fesc07-FESC-2007-10-05",
        "date": "2007-10-05T00:00:00Z", "tag": ["tender", "award"], "initiationType": "tender",
        "language": "en", "parties": [{**DH, "roles": ["buyer", "procuringEntity"]},
                                      {**BUPA, "roles": ["tenderer", "supplier"]}],
        "buyer": DH,
        "tender": {
            "id": "FESC", "title": "Framework for procuring External Support for Commissioners",
            "description": "Pre-qualified suppliers of external support for commissioners, in "
                           "3 lists (micro, macro, end_to_end) across 4 groupings; no "
                           "guarantee of volume or value.",
            "status": "complete", "procurementMethod": "selective",
            "mainProcurementCategory": "services", "procuringEntity": DH,
            "techniques": {"hasFrameworkAgreement": True,
                           "frameworkAgreement": {"method": "withReopeningCompetition"}},
            "items": [{"id": "contracting_and_procurement",
                       "description": "Contracting and procurement"}],
            "tenderers": [BUPA], "contractPeriod": FRAMEWORK_PERIOD},
        "awards": [{"id": "FESC-FESC01",
                    "title": "Admission to the FESC framework (micro, macro, end_to_end lists)",
                    "status": "active", "date": "2007-10-05T00:00:00Z", "suppliers": [BUPA],
                    "contractPeriod": FRAMEWORK_PERIOD}]}])

CHANGES = {
    "cursor": None, "next_cursor": "djE6Mg", "has_more": True,
    "package": _package(f"{BASE}/changes?cursor=", "2008-06-02T09:00:00Z", [{
        "ocid": OCID, "id": f"{OCID}-1", "date": "2008-06-02T09:00:00Z", "tag": ["tender"],
        "initiationType": "tender", "language": "en",
        "parties": [{**MANCHESTER, "roles": ["buyer", "procuringEntity"]}],
        "buyer": MANCHESTER, "relatedProcesses": [FRAMEWORK_PROCESS], "tender": TENDER}])}
