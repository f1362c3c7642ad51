"""Settings of the indicators service, from the environment (prefix ``TTHC_INDICATORS_``); fails fast."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tthc.contracts import topics
from tthc.indicators.metrics_periods import MetricsPeriods


class IndicatorsSettings(BaseSettings):
    """Configuration of one indicators-service process.

    - `store_url`: the facts store, ``sqlite:///FILE`` (default) or ``postgresql://USER:PASS@HOST:PORT/DB``.
    - `group_id`: the Kafka consumer group; instances of one deployment share it and split the partitions.
    - `max_records` / `batch_timeout_ms`: the largest polled batch (one store transaction) and how long a poll
      waits for it to fill.
    - `units_file`: the unit registry (YAML, registry format); None = the shipped sample registry.
    - `refresh_interval_s`: how stale the in-memory read model may get before a query first absorbs the
      facts other instances wrote to a shared store (docs/scale-out.md); 0 = look before every query.
    - `http_host` / `http_port`: ``/metrics`` and ``/healthz``; `grpc_address`: the IndicatorService.
    - `metrics_periods`: the periods the index gauges show, e.g. ``2024-03,2024-Q1,2024``; empty = the current
      month, quarter and year (`tthc.indicators.metrics_periods`).
    """

    model_config = SettingsConfigDict(env_prefix="TTHC_INDICATORS_", extra="forbid")

    store_url: str = "sqlite:///var/indicators/indicators.db"
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    group_id: str = Field(default="tthc-indicators", min_length=1)
    dossier_topic: str = topics.DOSSIER_EVENTS
    catalog_topic: str = topics.CATALOG_EVENTS
    max_records: int = Field(default=1000, ge=1, le=100_000)
    batch_timeout_ms: int = Field(default=200, ge=1, le=60_000)
    units_file: Path | None = None
    refresh_interval_s: float = Field(default=1.0, ge=0, le=3600)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8081, ge=0, le=65535)
    grpc_address: str = "127.0.0.1:50052"
    metrics_periods: str = ""

    @field_validator("store_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("use sqlite:///FILE or postgresql://...")
        return value

    @field_validator("units_file")
    @classmethod
    def _units_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such units file: {value}")
        return value

    @field_validator("metrics_periods")
    @classmethod
    def _metrics_periods_parse(cls, value: str) -> str:
        MetricsPeriods.parse(value)  # a PeriodError is a ValueError: reported as a validation error
        return value
