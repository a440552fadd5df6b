"""Identity settings (environment variables prefixed IDENTITY_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

# Dev-only: `seed-demo-users` refuses it when IDENTITY_ENVIRONMENT=production.
DEFAULT_DEMO_PASSWORD = "wcc-demo-only-2009"  # noqa: S105  # nosec B105  # documented demo credential


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", frozen=True)

    service_name: str = "identity"
    public_url: str = Field(
        default="", description="external base URL for discovery; empty: the request's URL")
    access_token_ttl: int = Field(default=900, ge=30, le=3600, description="seconds")
    refresh_token_ttl: int = Field(default=14 * 24 * 3600, ge=60, description="seconds")
    lockout_threshold: int = Field(
        default=5, ge=1, description="consecutive failed logins that lock an account")
    lockout_seconds: int = Field(default=900, ge=1, description="how long a lock lasts")
    login_rate_limit: int = Field(
        default=10, ge=1, description="token requests per client IP + username per window")
    login_ip_rate_limit: int = Field(
        default=30, ge=1,
        description="failed credential attempts per client IP per window, any usernames")
    login_rate_window: int = Field(default=60, ge=1, description="seconds, for both limits")
    # Argon2id: OWASP Password Storage Cheat Sheet minimum (19 MiB, 2 passes, 1 lane).
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    signing_key_reload_seconds: float = Field(
        default=30.0, ge=0, description="how stale the in-memory signing keys may get")
    demo_password: SecretStr = Field(
        default=SecretStr(DEFAULT_DEMO_PASSWORD),
        description="password of the demo users (IDENTITY_DEMO_PASSWORD); development only")
