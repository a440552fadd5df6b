"""Every assurance table, imported so that the metadata is complete (migrations, tests)."""

from services.assurance.database import Base

metadata = Base.metadata
