"""The index benchmark's workload: a synthetic province's year of public events, generated as a stream.

- Units: `synthetic_province(province, units)` (the dossier service's generator), written to a units YAML
  file for the indicators settings. Dossiers go to the communes and departments.
- Procedures: `procedures` catalogue snapshots (`ProcedureChanged`), alternately commune- and province-level,
  some with fees, most fully online.
- Dossiers: `projection.scenarios.random_scenarios` day by day over the year (refused, early, late,
  withdrawn, pending, with supplements), rendered as the CloudEvents the dossier service publishes and put
  out in time order across dossiers (a heap holds the events of the dossiers still running), as the live
  topic would carry them. Deterministic from `seed`.

Events are yielded as `(key, value)` byte pairs: the key is the aggregate id (the partitioning key).
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import envelope
from tthc.dossier.domain.units import UnitLevel, UnitRegistry, synthetic_province
from tthc.indicators.projection.scenarios import (
    ScenarioSpace,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.kit.clock import VIETNAM

RECEIVING_LEVELS = frozenset({UnitLevel.COMMUNE, UnitLevel.PROVINCIAL_DEPARTMENT})
Record = tuple[bytes, bytes]
"""A Kafka record to publish: (key, value)."""

_HOLD_BACK = timedelta(days=2)  # a later day's dossier may be registered up to 30 h before its reception


@dataclass(frozen=True)
class IndexWorkload:
    """What to generate: `dossiers` dossiers received over the calendar `year` in a province of `units`."""

    dossiers: int = 20_000
    units: int = 100
    procedures: int = 60
    year: int = 2024
    province: str = "H99"
    seed: int = 766

    def registry(self) -> UnitRegistry:
        """The synthetic province's unit registry."""
        return synthetic_province(self.province, self.units)

    def receiving_units(self) -> tuple[str, ...]:
        """The units that receive dossiers (communes and departments), in registry order."""
        return tuple(unit.code for unit in self.registry() if unit.level in RECEIVING_LEVELS)

    def procedure_codes(self) -> tuple[str, ...]:
        """The catalogue's procedure codes."""
        return tuple(f"1.{i:06d}" for i in range(1, self.procedures + 1))

    def procedure_records(self) -> list[Record]:
        """One `ProcedureChanged` (version 1) per procedure."""
        records = []
        for n, code in enumerate(self.procedure_codes()):
            event = procedure_changed(
                code, 1, unit_level="commune" if n % 2 else "province", has_fee=n % 3 == 0,
                online_level="full_process" if n % 4 else "partial",
            )  # fmt: skip
            records.append((code.encode(), event.model_dump_json().encode()))
        return records

    def dossier_records(
        self, units: Sequence[str] | None = None, *, seed: int | None = None
    ) -> Iterator[Record]:
        """Every dossier event of the year in time order (per dossier: version order); `units` and `seed`
        default to the receiving units and the workload's seed."""
        chosen = tuple(units or self.receiving_units())
        return _year_of_events(self, chosen, self.seed if seed is None else seed)


def _year_of_events(workload: IndexWorkload, units: tuple[str, ...], seed: int) -> Iterator[Record]:
    rng = random.Random(seed)
    first = date(workload.year, 1, 1)
    days = (date(workload.year + 1, 1, 1) - first).days
    procedures = workload.procedure_codes()
    waiting: list[tuple[datetime, int, Record]] = []
    order = 0
    made = 0
    for day_index in range(days):
        day = first + timedelta(days=day_index)
        count = workload.dossiers * (day_index + 1) // days - made
        space = ScenarioSpace(units=units, procedures=procedures, first_day=day, days=1, zone=VIETNAM)
        for scenario in random_scenarios(rng, count, space):
            code = f"B{seed % 1000:03d}-{made:08d}"
            made += 1
            for event in scenario_events(replace(scenario, code=code)):
                key = str(event.data.dossier_id).encode()
                heapq.heappush(waiting, (event.time, order, (key, event.model_dump_json().encode())))
                order += 1
        horizon = datetime(day.year, day.month, day.day, tzinfo=VIETNAM) - _HOLD_BACK
        while waiting and waiting[0][0] < horizon:
            yield heapq.heappop(waiting)[2]
    while waiting:
        yield heapq.heappop(waiting)[2]


def probe_record(unit_code: str, year: int, n: int) -> Record:
    """A new dossier received by `unit_code` in mid-`year`, due three days later (its first public event)."""
    dossier_id = uuid.uuid5(uuid.NAMESPACE_URL, f"tthc-bench-probe/{uuid.uuid4()}")
    received = datetime(year, 6, 14, 9, 30, tzinfo=VIETNAM)
    code = f"PROBE-{n:06d}"
    data = pub.DossierReceived(
        dossier_id=dossier_id, code=code, procedure_code="1.000001", unit_code=unit_code, channel=1,
        applicant_ref=f"ref-{code}", applicant_type=1, received_at=received,
        due_at=received + timedelta(days=3),
    )  # fmt: skip
    event = envelope(
        data, aggregate_id=dossier_id, version=2, source=pub.SOURCE, subject=code, time=received,
        unit=unit_code,
    )  # fmt: skip
    return str(dossier_id).encode(), event.model_dump_json().encode()


def write_units_file(registry: UnitRegistry, path: Path) -> Path:
    """Writes `registry` as a units YAML file the indicators settings can load."""
    units = [unit.model_dump(mode="json", exclude_none=True) for unit in registry]
    path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
