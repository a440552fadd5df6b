"""Who may see and do what in procurement, on top of shared/scope.py (deny by default).

Seeing: a PCT sees its own requests, call-offs and contracts; an SHA its PCTs'; DoH and NHS CB
everything; a supplier only the call-offs it is invited to, its own bids and its own contracts.
Something the caller may not see answers 404, so nobody learns that it exists. Acting on
something the caller can see needs the right role (the route) and relation (here): 403.
The exception is sign-off: another SHA (or anyone without the approver's role) gets 403.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import directory
from services.procurement.supplier import repository as suppliers
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.scope import TableDirectory, visible_organisations, within


def organisation_directory(session: AsyncSession) -> TableDirectory:
    return TableDirectory(session, directory)


async def pct_scope(session: AsyncSession, principal: Principal,
                    column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of the PCTs `principal` may see (none for suppliers)."""
    if principal.org_type == "SUPPLIER":
        return false()
    visible = await visible_organisations(principal, organisation_directory(session))
    return within(column, visible)


def require_own_pct(principal: Principal, pct_id: str, action: str) -> None:
    """Only the PCT's own staff may act for it."""
    if principal.org_type != "PCT" or principal.org_id != pct_id:
        raise Forbidden(f"only the PCT's own staff may {action}")


async def supplier_code(session: AsyncSession, principal: Principal) -> str | None:
    """The framework supplier the caller works for (None when not a supplier)."""
    if principal.org_type != "SUPPLIER":
        return None
    supplier = await suppliers.for_organisation(session, principal.org_id)
    return supplier.code if supplier else None


async def require_supplier(session: AsyncSession, principal: Principal) -> str:
    code = await supplier_code(session, principal)
    if code is None:
        raise Forbidden("your organisation is not an approved framework supplier")
    return code


async def parents_of_pct(session: AsyncSession, pct_id: str) -> tuple[str, str | None]:
    """The PCT's SHA and the SHA's parent (the DoH), from the organisation directory."""
    tree = organisation_directory(session)
    sha_id = await tree.parent_of(pct_id)
    if sha_id is None:
        raise Conflict("the organisation directory does not know this PCT's SHA yet; "
                       "try again once identity's organisation events have arrived")
    return sha_id, await tree.parent_of(sha_id)
