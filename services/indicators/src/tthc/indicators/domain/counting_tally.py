"""Counters of numerators and denominators, with the ids behind them when asked (drill-down)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from tthc.indicators.domain.scoring.metrics import MetricCode, MetricInput


class Subject(StrEnum):
    """What the ids of a metric's breakdown identify."""

    DOSSIER = "dossier"
    PROCEDURE = "procedure"
    SERVICE = "service"  # "<unit code>/<procedure code>": one online service of one unit
    UNIT = "unit"
    PETITION = "petition"


@dataclass(frozen=True, slots=True)
class MetricIds:
    """The ids counted in a metric's numerator and denominator, in counting order.

    The denominator may hold fewer ids than the count when part of it comes from outside (DOSSIER_SYNC's
    national report figure).
    """

    subject: Subject
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


class Tally:
    """Numerator/denominator counters per metric; keeps the ids only when `detailed`."""

    def __init__(self, detailed: bool) -> None:
        self._numerators: dict[MetricCode, int] = {}
        self._denominators: dict[MetricCode, int] = {}
        self._subjects: dict[MetricCode, Subject] = {}
        self._ids: dict[MetricCode, tuple[list[str], list[str]]] | None = {} if detailed else None
        self._inputs: dict[MetricCode, MetricInput] = {}

    def open(self, code: MetricCode, subject: Subject) -> None:
        """Starts counting `code` (so a metric with nothing counted still reports 0 / 0)."""
        self._numerators[code] = 0
        self._denominators[code] = 0
        self._subjects[code] = subject
        if self._ids is not None:
            self._ids[code] = ([], [])

    def add(self, code: MetricCode, item_id: str, in_numerator: bool) -> None:
        """Counts one item in the denominator of `code`, and in its numerator when `in_numerator`."""
        self._denominators[code] += 1
        if in_numerator:
            self._numerators[code] += 1
        if self._ids is not None:
            numerator_ids, denominator_ids = self._ids[code]
            denominator_ids.append(item_id)
            if in_numerator:
                numerator_ids.append(item_id)

    def add_sets(
        self, code: MetricCode, subject: Subject, numerator: Collection[str], denominator: Collection[str]
    ) -> None:
        """Counts a metric given as sets of ids (catalogue metrics); numerator ids outside the denominator
        are ignored."""
        self.open(code, subject)
        for item_id in sorted(denominator):
            self.add(code, item_id, item_id in numerator)

    def totals(self) -> tuple[tuple[MetricCode, ...], tuple[int, ...], tuple[int, ...]]:
        """The codes counted with their numerators and denominators, in parallel (for `add_totals`).

        Raises:
            ValueError: the tally keeps ids or has overridden inputs (they would be lost).
        """
        if self._ids is not None or self._inputs:
            raise ValueError("only an undetailed tally without overrides gives bare totals")
        codes = tuple(self._numerators)
        return codes, tuple(self._numerators.values()), tuple(self._denominators[c] for c in codes)

    def add_totals(
        self,
        subject: Subject,
        codes: tuple[MetricCode, ...],
        numerators: tuple[int, ...],
        denominators: tuple[int, ...],
    ) -> None:
        """Adds counts made over other items (`totals` of another tally) to these; undetailed only.

        Raises:
            ValueError: this tally keeps ids (the added items' order could not be kept).
        """
        if self._ids is not None:
            raise ValueError("only undetailed tallies can be merged")
        for code, numerator, denominator in zip(codes, numerators, denominators, strict=True):
            self._numerators[code] = self._numerators.get(code, 0) + numerator
            self._denominators[code] = self._denominators.get(code, 0) + denominator
            self._subjects.setdefault(code, subject)

    def count(self, code: MetricCode) -> tuple[int, int]:
        """The (numerator, denominator) counted so far."""
        return self._numerators[code], self._denominators[code]

    def override(self, code: MetricCode, value: MetricInput) -> None:
        """Replaces the counted input of `code` (e.g. an external denominator); the ids stay as counted."""
        self._inputs[code] = value

    def inputs(self) -> dict[MetricCode, MetricInput]:
        """The metric inputs counted."""
        counted = {
            code: MetricInput(self._numerators[code], self._denominators[code]) for code in self._numerators
        }
        return counted | self._inputs

    def breakdown(self) -> dict[MetricCode, MetricIds]:
        """The ids per metric (empty when not detailed)."""
        if self._ids is None:
            return {}
        return {
            code: MetricIds(self._subjects[code], tuple(numerator), tuple(denominator))
            for code, (numerator, denominator) in self._ids.items()
        }
