"""Every market table, imported so that the metadata is complete (migrations, tests)."""

from services.market.database import Base
from services.market.observation.models import ContractObservation, PctRating
from services.market.run.models import Run, RunResult
from services.market.scenario.models import CustomScenario

metadata = Base.metadata

__all__ = ["ContractObservation", "CustomScenario", "PctRating", "Run", "RunResult", "metadata"]
