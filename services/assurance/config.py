"""Assurance settings (environment variables prefixed ASSURANCE_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSURANCE_", extra="ignore", frozen=True)

    service_name: str = "assurance"
