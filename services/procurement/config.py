"""Procurement settings (environment variables prefixed PROCUREMENT_)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROCUREMENT_", extra="ignore", frozen=True)

    service_name: str = "procurement"
    framework_version: int = Field(
        default=1, ge=1, description="which reference/fesc-framework-v<N>.yaml is in force")
    sha_approval_threshold_pence: int | None = Field(
        default=None, ge=0,
        description="overrides the framework's value above which a PCT without financial "
                    "autonomy needs its SHA's approval")
    min_invited_suppliers: int | None = Field(
        default=None, ge=1,
        description="overrides the framework's minimum number of suppliers a call-off invites")
    standstill_days: int | None = Field(
        default=None, ge=0, description="overrides the framework's standstill period (days)")
    clock_start: AwareDatetime | None = Field(
        default=None,
        description="run the service's clock from this instant (advancing in real time), e.g. "
                    "2008-06-02T09:00:00Z to demonstrate FESC while the framework ran; "
                    "empty = the real time")
    ocds_publisher_name: str = "NHS commissioning platform (FESC open data)"
    ocds_base_uri: str = "https://procurement.nhs-commissioning.dev/ocds"
    ocds_ocid_prefix: str = Field(
        default="ocds-fesc07", pattern=r"^ocds-[a-z0-9]{6}$",
        description="the registered OCDS ocid prefix (a placeholder until one is registered)")
