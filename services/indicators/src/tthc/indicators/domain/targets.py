"""Annual targets (chỉ tiêu) assigned to units, and how far a unit is from its target.

The 2024 list is the appendix of the provincial TTHC control plan (Nghị quyết 01/NQ-CP, 02/NQ-CP of
05/01/2024), shipped as `data/targets-2024.yaml`. Targets are configuration, separate from the index's scoring
thresholds (e.g. reuse: target ≥ 50 % while 4.3 scores against 80 %).

Assignment rule (appendix §1): a unit whose previous-year result is below the central target gets the
central target; at or above it, the previous result "phấn đấu tăng thêm 10%" — read by default as +10
percentage points (`Uplift.PERCENTAGE_POINTS`; `Uplift.RELATIVE` = ×1.10) — never below the central target,
capped at 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from tthc.indicators.domain.scoring.metrics import MetricCode

HUNDRED = Decimal(100)


class TargetError(ValueError):
    """A target row or a value given to the target rules is invalid."""


class Comparison(StrEnum):
    """How a result is compared with a target ("Tối thiểu N" = at least; a bare "100" = equal)."""

    AT_LEAST = "at_least"
    EQUAL = "equal"


class TargetUnitLevel(StrEnum):
    """Unit levels a target row may be restricted to."""

    PROVINCIAL_DEPARTMENT = "PROVINCIAL_DEPARTMENT"  # sở, ban, ngành
    DISTRICT = "DISTRICT"  # phòng, ban cấp huyện
    COMMUNE = "COMMUNE"  # UBND cấp xã


class Uplift(StrEnum):
    """How "tăng thêm 10%" raises a previous result."""

    PERCENTAGE_POINTS = "percentage_points"  # 62 % → 72 % (default)
    RELATIVE = "relative"  # 62 % → 68.2 %


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Parameters of the assignment rule."""

    uplift: Uplift = Uplift.PERCENTAGE_POINTS
    step: Decimal = Decimal(10)
    cap: Decimal = HUNDRED


DEFAULT_POLICY = TargetPolicy()


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One target of the list: id ("1"…"12.3"), Vietnamese text, unit, central value and comparison."""

    id: str
    text_vi: str
    unit: str
    value: Decimal
    value_text_vi: str
    comparison: Comparison
    related_metrics: tuple[MetricCode, ...]
    unit_levels: frozenset[TargetUnitLevel]  # empty = every level
    implementers_vi: str

    def applies_to(self, level: TargetUnitLevel) -> bool:
        """True when the row concerns units of this level."""
        return not self.unit_levels or level in self.unit_levels


@dataclass(frozen=True, slots=True)
class AssignedTarget:
    """The target a unit must reach this year, and why (`central`, `uplifted`, `capped`)."""

    row_id: str
    value: Decimal
    comparison: Comparison
    basis: str


@dataclass(frozen=True, slots=True)
class Gap:
    """How far a result is from a target: `shortfall` ≥ 0 (0 when met)."""

    target: Decimal
    actual: Decimal
    shortfall: Decimal
    met: bool


@dataclass(frozen=True, slots=True)
class TargetCatalogue:
    """The targets of one year."""

    year: int
    source: str
    rows: tuple[TargetRow, ...]

    def row(self, row_id: str) -> TargetRow:
        """Returns a row by id. Raises: TargetError when absent."""
        found = next((row for row in self.rows if row.id == row_id), None)
        if found is None:
            raise TargetError(f"no target {row_id!r} in {self.year}")
        return found

    def for_level(self, level: TargetUnitLevel) -> tuple[TargetRow, ...]:
        """Returns the rows that concern units of this level."""
        return tuple(row for row in self.rows if row.applies_to(level))

    def for_metric(self, code: MetricCode) -> tuple[TargetRow, ...]:
        """Returns the rows related to an index metric."""
        return tuple(row for row in self.rows if code in row.related_metrics)


def assign_target(
    row: TargetRow, previous: Decimal | None, policy: TargetPolicy = DEFAULT_POLICY
) -> AssignedTarget:
    """Returns the unit's target from its previous-year result (None = no result: the central target).

    Raises:
        TargetError: the previous result is outside 0–100 %.
    """
    if previous is not None and not Decimal(0) <= previous <= HUNDRED:
        raise TargetError(f"a previous result must be within 0–100 %, got {previous}")
    if previous is None or previous < row.value:
        return AssignedTarget(row.id, row.value, row.comparison, "central")
    raised = (
        previous + policy.step
        if policy.uplift is Uplift.PERCENTAGE_POINTS
        else previous * (1 + policy.step / 100)
    )
    value = max(row.value, raised)
    if value > policy.cap:
        return AssignedTarget(row.id, max(row.value, policy.cap), row.comparison, "capped")
    return AssignedTarget(row.id, value, row.comparison, "uplifted")


def gap(unit_value: Decimal, target: AssignedTarget | TargetRow) -> Gap:
    """Returns the distance of a unit's result from a target (an assigned one or a row's central value)."""
    shortfall = max(Decimal(0), target.value - unit_value)
    met = unit_value == target.value if target.comparison is Comparison.EQUAL else unit_value >= target.value
    return Gap(target=target.value, actual=unit_value, shortfall=shortfall, met=met)


def load_targets_2024() -> TargetCatalogue:
    """Reads the shipped 2024 list (`data/targets-2024.yaml`)."""
    text = resources.files("tthc.indicators").joinpath("data/targets-2024.yaml").read_text(encoding="utf-8")
    return targets_from_mapping(yaml.safe_load(text))


def targets_from_mapping(data: Mapping[str, Any]) -> TargetCatalogue:
    """Builds a catalogue from decoded YAML. Raises: TargetError on a malformed row."""
    try:
        rows = tuple(_row(item) for item in data["targets"])
        return TargetCatalogue(year=int(data["year"]), source=str(data.get("source", "")), rows=rows)
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise TargetError(f"malformed target data: {error!r}") from error


def _row(item: Mapping[str, Any]) -> TargetRow:
    return TargetRow(
        id=str(item["id"]),
        text_vi=str(item["text_vi"]),
        unit=str(item["unit"]),
        value=Decimal(str(item["value"])),
        value_text_vi=str(item.get("value_text_vi", item["value"])),
        comparison=Comparison(item["comparison"]),
        related_metrics=tuple(MetricCode(code) for code in item.get("related_metrics") or ()),
        unit_levels=frozenset(TargetUnitLevel(level) for level in item.get("unit_levels") or ()),
        implementers_vi=str(item.get("implementers_vi", "")),
    )
