"""Every identity table, imported so that the metadata is complete (migrations, tests)."""

from services.identity.audit import models as _audit  # noqa: F401
from services.identity.database import Base
from services.identity.organisation import models as _organisation  # noqa: F401
from services.identity.token import models as _token  # noqa: F401
from services.identity.user import models as _user  # noqa: F401

metadata = Base.metadata
