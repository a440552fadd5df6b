"""Assurance's worker: publishes its outbox and applies the events it consumes."""

from __future__ import annotations

from services.assurance.config import Settings
from services.assurance.database import inbox, outbox
from services.assurance.handlers import HANDLERS
from shared.worker import main

if __name__ == "__main__":
    main(Settings(), outbox=outbox.table, inbox=inbox, handlers=HANDLERS)
