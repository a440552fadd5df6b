"""Annotated dependencies shared by the procurement routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.procurement.rules.framework import Framework
from shared.auth import Principal, require

PCT_STAFF = ("pct_commissioner", "pct_admin")
EVALUATORS = ("pct_commissioner",)
SUPPLIER_STAFF = ("supplier_bidder", "supplier_admin")
APPROVERS = ("doh_dg_commissioning", "doh_admin", "sha_admin")


def current_time(request: Request) -> datetime:
    """The service clock's time, read once per request (tests replace the clock)."""
    now: datetime = request.app.state.clock.now()
    return now


def current_framework(request: Request) -> Framework:
    framework: Framework = request.app.state.framework
    return framework


NowDep = Annotated[datetime, Depends(current_time)]
FrameworkDep = Annotated[Framework, Depends(current_framework)]
Reader = Annotated[Principal, Depends(require())]
PctStaff = Annotated[Principal, Depends(require(*PCT_STAFF))]
Evaluator = Annotated[Principal, Depends(require(*EVALUATORS))]
SupplierStaff = Annotated[Principal, Depends(require(*SUPPLIER_STAFF))]
Approver = Annotated[Principal, Depends(require(*APPROVERS))]
DohAdmin = Annotated[Principal, Depends(require("doh_admin"))]
ContractParty = Annotated[Principal, Depends(require(*PCT_STAFF, *SUPPLIER_STAFF))]
