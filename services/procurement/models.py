"""Every procurement table, imported so that the metadata is complete (migrations, tests)."""

from services.procurement.database import Base

metadata = Base.metadata
