"""The events procurement consumes, mapped to the service functions that apply them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import directory
from services.procurement.freedom.handlers import autonomy_granted, autonomy_revoked
from services.procurement.recommendation.handlers import (
    assessment_rated,
    support_need_identified,
)
from services.procurement.supplier import service as suppliers
from shared.directory import directory_handlers
from shared.events.consumer import Handler
from shared.events.contracts.identity import OrganisationRegistered, OrganisationUpdated
from shared.events.envelope import Envelope

_DIRECTORY = directory_handlers(directory)


def _linking_suppliers(apply: Handler) -> Handler:
    """Keep the directory; link a SUPPLIER organisation to the framework supplier of its code."""

    async def handler(session: AsyncSession, envelope: Envelope,
                      payload: OrganisationRegistered | OrganisationUpdated) -> None:
        await apply(session, envelope, payload)
        if payload.type == "SUPPLIER":
            await suppliers.link(session, code=payload.code,
                                 organisation_id=payload.organisation_id)

    return handler


HANDLERS: dict[str, Handler] = {
    **{event_type: _linking_suppliers(apply) for event_type, apply in _DIRECTORY.items()},
    "assurance.autonomy.granted.v1": autonomy_granted,
    "assurance.autonomy.revoked.v1": autonomy_revoked,
    "assurance.support_need.identified.v1": support_need_identified,
    "assurance.assessment.rated.v1": assessment_rated,
}
