"""What of a request is approved (its content), its package check and its history snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.procurement.request.models import ProcurementRequest
from services.procurement.rules.approvals import SignoffState
from services.procurement.rules.framework import Framework
from services.procurement.rules.packages import PackageRequest, Violation, validate_package
from shared.errors import RuleViolation

# Everything an approver reads; a change to any of them voids the approvals given so far.
CONTENT_FIELDS = ("title", "package_type", "services", "macro_kind", "service_area",
                  "business_case", "justification", "estimated_value_pence", "joint_venture")


def content_of(source: Any) -> dict[str, Any]:
    """The approvable content of a request (or of a create/update payload merged into one)."""
    get = source.get if isinstance(source, Mapping) else lambda name: getattr(source, name)
    content = {name: get(name) for name in CONTENT_FIELDS}
    content["services"] = list(content["services"] or ())
    return content


def check_package(framework: Framework, content: Mapping[str, Any]) -> None:
    """422 listing every reason the package is not a valid FESC package."""
    violations = validate_package(framework, PackageRequest(
        package_type=content["package_type"], services=tuple(content["services"]),
        macro_kind=content["macro_kind"], service_area=content["service_area"],
        justification=content["justification"]))
    if violations:
        raise rule_violation("the package breaks the framework's rules", violations)


def rule_violation(detail: str, violations: Sequence[Violation]) -> RuleViolation:
    """A 422 whose errors name the body field at fault and say why."""
    errors = [{"loc": ["body", v.field], "msg": v.message} for v in violations]
    return RuleViolation(f"{detail}: " + "; ".join(v.message for v in violations),
                         errors=errors)


def approval_views(request: ProcurementRequest, state: SignoffState) -> list[dict[str, Any]]:
    """Each required sign-off with where it stands (for responses and the history)."""
    decided = {s.role: s for s in state.signoffs}
    views = []
    for approval in request.approvals:
        signoff = decided.get(approval["role"])
        views.append({
            **approval,
            "status": signoff.status if signoff else "pending",
            "decided_by": signoff.decided_by if signoff else None,
            "decided_at": signoff.decided_at if signoff else None,
            "reason": signoff.reason if signoff else None,
        })
    return views


def snapshot(request: ProcurementRequest, state: SignoffState) -> dict[str, Any]:
    """The request's state as the history records it (JSON-ready)."""
    approvals = [{**view, "decided_at": _iso(view["decided_at"])}
                 for view in approval_views(request, state)]
    return {**content_of(request), "status": request.status, "groupings": list(request.groupings),
            "content_hash": request.content_hash, "approvals": approvals}


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None
