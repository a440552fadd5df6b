"""Every assurance table, imported so that the metadata is complete (migrations, tests)."""

from services.assurance.assessment import models as _assessment  # noqa: F401
from services.assurance.autonomy import models as _autonomy  # noqa: F401
from services.assurance.cycle import models as _cycle  # noqa: F401
from services.assurance.database import Base
from services.assurance.evidence import models as _evidence  # noqa: F401
from services.assurance.support import models as _support  # noqa: F401

metadata = Base.metadata
