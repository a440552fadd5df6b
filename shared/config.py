"""Base settings every service extends (pydantic-settings, one env prefix per service)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class BaseServiceSettings(BaseSettings):
    """Settings common to every service; a service subclasses it with its own env prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: str = Field(default="development", description="development | test | production")
    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means the embedded SQLite file under var/",
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092")
    kafka_topic_prefix: str = Field(
        default="", pattern=r"^[a-z0-9_.-]*$",
        description="prepended to every topic name (environments sharing one cluster)")
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    log_json: bool = True
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_interval: float = Field(default=0.02, gt=0)
    consumer_max_retries: int = Field(default=3, ge=0)
    consumer_retry_backoff: float = Field(default=0.2, ge=0)
    db_pool_size: int = Field(default=20, ge=1)
    readiness_timeout: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    identity_url: str = Field(default="http://127.0.0.1:8001",
                              description="base URL of the identity service (JWKS)")
    token_issuer: str = Field(default="urn:nhs-commissioning:identity")
    metrics_port: int = Field(
        default=0, ge=0, le=65535,
        description="worker: port of its Prometheus /metrics endpoint; 0 = no endpoint "
                    "(the API serves /metrics on its own port)")
    metrics_host: str = Field(default="127.0.0.1",
                              description="worker: address the /metrics endpoint listens on")

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file var/<service>.db."""
        if self.database_url:
            return self.database_url
        path = REPO_ROOT / "var" / f"{self.service_name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"
