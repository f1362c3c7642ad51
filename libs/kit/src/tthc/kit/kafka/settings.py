"""Where the local broker lives and how it is reached; read from ``TTHC_KAFKA_*`` environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_MARKER = Path("deploy") / "kafka" / "pom.xml"


class RepositoryNotFoundError(RuntimeError):
    """The repository root (the directory holding ``deploy/kafka/pom.xml``) could not be located."""


@cache
def repo_root() -> Path:
    """The repository root, found by walking up from this file to the directory with ``deploy/kafka``."""
    for candidate in Path(__file__).resolve().parents:
        if (candidate / _MARKER).is_file():
            return candidate
    raise RepositoryNotFoundError(f"no parent of {__file__} contains {_MARKER}")


class KafkaSettings(BaseSettings):
    """Local broker settings. Defaults suit the CLI; the test fixture overrides ports and directories."""

    model_config = SettingsConfigDict(env_prefix="TTHC_KAFKA_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=19092, ge=1, le=65535)
    controller_port: int = Field(default=19093, ge=1, le=65535)
    data_dir: Path = Field(default_factory=lambda: repo_root() / "var" / "kafka")
    libs_dir: Path = Field(default_factory=lambda: repo_root() / ".cache" / "kafka" / "libs")
    deploy_dir: Path = Field(default_factory=lambda: repo_root() / "deploy" / "kafka")
    java: str = "java"
    mvn: str = "mvn"
    heap: str = Field(default="512m", pattern=r"^\d+[kmg]$")
    start_timeout_s: float = Field(default=120.0, gt=0)
    stop_timeout_s: float = Field(default=30.0, gt=0)
    dossier_partitions: int = Field(default=3, ge=1)

    @property
    def bootstrap(self) -> str:
        """``host:port`` of the PLAINTEXT listener."""
        return f"{self.host}:{self.port}"
