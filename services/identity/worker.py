"""Identity's worker: publishes its outbox (identity consumes no events)."""

from __future__ import annotations

from services.identity.config import Settings
from services.identity.database import inbox, outbox
from shared.worker import main

if __name__ == "__main__":
    main(Settings(), outbox=outbox.table, inbox=inbox, handlers={})
