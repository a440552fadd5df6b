"""Loading the reference organisations (DoH, NHS CB, SHAs, PCTs) into identity."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.organisation import repository, service
from services.identity.organisation.reference import seed_organisations
from services.identity.organisation.schemas import OrganisationCreate

SEED_ACTOR = "system:seed"


async def seed_reference_organisations(session: AsyncSession) -> int:
    """Register every reference organisation not yet present; returns how many were added."""
    added = 0
    for row in seed_organisations():
        if await repository.by_code(session, row["code"]) is not None:
            continue
        data = OrganisationCreate(code=row["code"], name=row["name"], type=row["type"],
                                  parent_code=row.get("parent"), valid_from=row["valid_from"],
                                  valid_to=row.get("valid_to"))
        await service.register(session, data, actor=SEED_ACTOR)
        await session.flush()
        added += 1
    return added
