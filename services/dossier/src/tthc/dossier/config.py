"""Settings of the dossier service from the environment (prefix ``TTHC_DOSSIER_``); fails fast."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tthc.kit.worktime import WorkingHours

DATA_DIR = Path(__file__).parent / "data"


class DossierSettings(BaseSettings):
    """Configuration of one dossier-service process."""

    model_config = SettingsConfigDict(env_prefix="TTHC_DOSSIER_", extra="forbid")

    store_url: str = Field(
        default="sqlite:///var/dossier/dossier.db",
        description="event store: sqlite:///FILE (default), postgresql://USER:PASS@HOST/DB, memory://",
    )
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_enabled: bool = True
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    grpc_address: str = "127.0.0.1:50051"
    pseudonym_secret: SecretStr = Field(
        description="HMAC key for applicant pseudonyms (>= 16 bytes); required"
    )
    feed_tokens_file: Path | None = Field(default=None, description="YAML: sha256(token) -> unit code")
    catalogue_file: Path = DATA_DIR / "catalogue.sample.yaml"
    units_file: Path = DATA_DIR / "units.yaml"
    working_hours: str = Field(
        default="07:00-11:30,13:30-17:00", description="office hours used for due dates (giờ làm việc)"
    )
    relay_poll_seconds: float = Field(default=0.2, gt=0)
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    max_feed_body_bytes: int = Field(default=20_000_000, ge=1_000)

    @field_validator("pseudonym_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < 16:
            raise ValueError("must be at least 16 bytes")
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        WorkingHours.parse(value)
        return value

    @field_validator("store_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://", "memory://")):
            raise ValueError("use sqlite:///FILE, postgresql://... or memory://")
        return value
