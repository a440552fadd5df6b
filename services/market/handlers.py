"""The events market consumes, mapped to the service functions that apply them."""

from __future__ import annotations

from services.market.database import directory
from shared.directory import directory_handlers
from shared.events.consumer import Handler

HANDLERS: dict[str, Handler] = {
    **directory_handlers(directory),
}
