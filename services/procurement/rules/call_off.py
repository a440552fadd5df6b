"""Call-off rules: who may be invited to a mini-competition, when, and the standstill period.

- Only approved suppliers on the package type's list and approved for every grouping the package
  touches may be invited [S14: Hillingdon invited the micro list]; at least
  settings.min_invited_suppliers of them [I].
- A call-off is made while the framework runs (its end date is unconfirmed: reference data).
- After the award decision the contract waits out the standstill (settings.standstill_days
  calendar days, the Alcatel standstill [I: calendar days, no working-day roll]); the last day
  of standstill is the decision date plus that many days, and the contract may be signed on the
  day after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from services.procurement.rules.framework import Framework, PackageType, Supplier
from services.procurement.rules.packages import Violation, groupings_of


def eligible_suppliers(
    framework: Framework, package_type: PackageType, services: Sequence[str]
) -> tuple[Supplier, ...]:
    """The approved suppliers that may be invited for this package."""
    groupings = frozenset(groupings_of(framework, services))
    return tuple(s for s in framework.suppliers if s.is_approved_for(package_type, groupings))


def check_invitations(
    framework: Framework, *, package_type: PackageType, services: Sequence[str],
    invited: Sequence[str],
) -> list[Violation]:
    """Every reason the invitation list is refused (empty when it may go out)."""
    violations = [Violation("invited_supplier_ids", f"supplier {code} is invited twice")
                  for code in dict.fromkeys(invited) if invited.count(code) > 1]
    groupings = frozenset(groupings_of(framework, services))
    for code in dict.fromkeys(invited):
        supplier = framework.supplier(code)
        if supplier is None:
            violations.append(Violation("invited_supplier_ids", f"unknown supplier {code}"))
        elif not supplier.is_approved_for(package_type, groupings):
            violations.append(Violation("invited_supplier_ids", _not_approved(
                supplier, package_type, groupings)))
    minimum = framework.settings.min_invited_suppliers
    given = len(set(invited))
    if given < minimum:
        violations.append(Violation(
            "invited_supplier_ids",
            f"a mini-competition invites at least {minimum} approved suppliers; {given} given"))
    return violations


def _not_approved(supplier: Supplier, package_type: PackageType, groupings: frozenset[str]) -> str:
    label = f"{supplier.code} ({supplier.name})"
    if package_type not in supplier.approved_lists:
        return f"{label} is not on the {package_type} list"
    missing = sorted(groupings - set(supplier.approved_groupings))
    return f"{label} is not approved for {', '.join(missing)}"


def check_call_off_date(framework: Framework, day: date) -> Violation | None:
    """A call-off is made while the framework runs; None when `day` is within its period."""
    agreement = framework.framework
    if agreement.start_date <= day <= agreement.end_date:
        return None
    return Violation("published_on", (
        f"the framework runs from {agreement.start_date.isoformat()} to "
        f"{agreement.end_date.isoformat()} ({agreement.end_date_status} end date); "
        f"{day.isoformat()} is outside it"))


def standstill_ends(framework: Framework, decision_date: date) -> date:
    """The last day of the standstill after an award decision notified on decision_date."""
    return decision_date + timedelta(days=framework.settings.standstill_days)
