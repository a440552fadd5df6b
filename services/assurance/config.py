"""Assurance settings (environment variables prefixed ASSURANCE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSURANCE_", extra="ignore", frozen=True)

    service_name: str = "assurance"
    evidence_max_bytes: int = Field(
        default=524_288, ge=1, le=8_388_608,
        description="largest evidence document accepted (decoded bytes); bigger ones get 413")
    gc_freeze_after_startup: bool = Field(
        default=True,
        description="move start-up objects out of the cyclic GC's reach (gc.freeze) so that "
                    "full collections stay short under load; off in tests that start many apps")
