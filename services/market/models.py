"""Every market table, imported so that the metadata is complete (migrations, tests)."""

from services.market.database import Base

metadata = Base.metadata
