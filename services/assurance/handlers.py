"""The events assurance consumes, mapped to the service functions that apply them."""

from __future__ import annotations

from services.assurance.assessment.handlers import outcome_reported
from services.assurance.database import directory
from services.assurance.support.handlers import contract_awarded
from shared.directory import directory_handlers
from shared.events.consumer import Handler

HANDLERS: dict[str, Handler] = {
    **directory_handlers(directory),
    "procurement.contract.awarded.v1": contract_awarded,
    # Published by integrators (e.g. an NHS Information Centre feed), not by assurance.
    "assurance.outcome.reported.v1": outcome_reported,
}
