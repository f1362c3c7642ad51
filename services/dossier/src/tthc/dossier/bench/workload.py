"""The benchmark's workload: a simulated month of a synthetic province, and the files the service needs.

Dossiers are received by the province's communes and departments (as ``tthc feed simulate --province``
does); the service gets the synthetic unit registry and a feed token for the province.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from tthc.dossier.domain.units import UnitLevel, UnitRegistry, synthetic_province
from tthc.dossier.feed.auth import hash_token
from tthc.dossier.feed.simulator import Simulation, SimulationConfig, simulate

RECEIVING_LEVELS = frozenset({UnitLevel.COMMUNE, UnitLevel.PROVINCIAL_DEPARTMENT})


@dataclass(frozen=True)
class Workload:
    """What to simulate for a benchmark run."""

    province: str = "H99"
    units: int = 100
    days: int = 30
    dossiers_per_unit_day: float = 2.0
    start: date = date(2024, 4, 1)
    seed: int = 766

    def registry(self) -> UnitRegistry:
        """The synthetic province's unit registry."""
        return synthetic_province(self.province, self.units)

    def simulate(self, progress: Callable[[int], None] | None = None) -> Simulation:
        """The simulated feed of every receiving unit over the period."""
        receiving = tuple(unit.code for unit in self.registry() if unit.level in RECEIVING_LEVELS)
        config = SimulationConfig(
            units=receiving,
            start=self.start,
            days=self.days,
            seed=self.seed,
            dossiers_per_unit_day=self.dossiers_per_unit_day,
        )
        return simulate(config, progress=progress)


def write_units_file(registry: UnitRegistry, path: Path) -> Path:
    """Writes ``registry`` as a units YAML file the service can load."""
    units = [unit.model_dump(mode="json", exclude_none=True) for unit in registry]
    path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_token_file(unit_code: str, path: Path) -> str:
    """Writes a feed token file granting a fresh random token to ``unit_code``; returns the token."""
    token = secrets.token_urlsafe(24)
    path.write_text(yaml.safe_dump({"tokens": {hash_token(token): unit_code}}), encoding="utf-8")
    return token
