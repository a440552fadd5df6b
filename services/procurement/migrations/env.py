from services.procurement.models import metadata
from shared.migrations import run_env

run_env(metadata)
