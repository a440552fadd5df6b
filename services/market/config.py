"""Market settings (environment variables prefixed MARKET_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MARKET_", extra="ignore", frozen=True)

    service_name: str = "market"
