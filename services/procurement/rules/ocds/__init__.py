"""OCDS 1.1 release packages for the framework and for each call-off.

Modelling (OCDS 1.1 guidance on framework agreements):
- the framework is one contracting process: its tender sets up the framework agreement
  (tender.techniques.hasFrameworkAgreement, techniques extension) and its awards admit each
  approved supplier; the DH Commercial Directorate is buyer and procuring entity;
- each call-off is its own contracting process, linked to the framework's by a
  relatedProcesses entry with relationship ["framework"] and scheme "ocid"; the PCT is buyer;
- each contract's risks are contracts[].riskAllocation (riskAllocation extension): the PCT keeps
  its statutory accountability (publicAuthority); the performance risk is one entry whose
  allocation follows the share of the fee at risk: none publicAuthority, all privateParty,
  anything between "shared" (the extension's current closed codelist: publicAuthority,
  privateParty, shared), with both shares in its description.
Amounts are pounds as JSON numbers, converted from integer pence only here, at the boundary.
Dates come from the records and the Publication, never from the clock.
"""

from services.procurement.rules.ocds.call_off_process import (
    CallOffAward,
    CallOffRecord,
    call_off_ocid,
    call_off_release_package,
    contract_risks,
)
from services.procurement.rules.ocds.common import (
    EXTENSIONS,
    OCDS_VERSION,
    Organisation,
    Publication,
    framework_ocid,
    package_uri,
    pounds,
)
from services.procurement.rules.ocds.framework_process import (
    FrameworkSupplier,
    framework_release_package,
)

__all__ = [
    "EXTENSIONS",
    "OCDS_VERSION",
    "CallOffAward",
    "CallOffRecord",
    "FrameworkSupplier",
    "Organisation",
    "Publication",
    "call_off_ocid",
    "call_off_release_package",
    "contract_risks",
    "framework_ocid",
    "framework_release_package",
    "package_uri",
    "pounds",
]
