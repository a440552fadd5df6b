"""The events market consumes, mapped to the service functions that apply them."""

from __future__ import annotations

from services.market.database import directory
from services.market.observation.handlers import (
    assessment_rated,
    contract_awarded,
    contract_signed,
)
from services.market.run.handlers import run_requested
from shared.directory import directory_handlers
from shared.events.consumer import Handler

HANDLERS: dict[str, Handler] = {
    **directory_handlers(directory),
    "market.run.requested.v1": run_requested,
    "assurance.assessment.rated.v1": assessment_rated,
    "procurement.contract.awarded.v1": contract_awarded,
    "procurement.contract.signed.v1": contract_signed,
}
