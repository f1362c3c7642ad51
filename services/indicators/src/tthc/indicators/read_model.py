"""What one indicators process holds in memory, with the counts it caches (used by `application`).

`ReadModel` keeps every dossier's facts by unit (`FactsCache`) and the catalogue, and caches counts per pool,
per unit's sum of its parts and per part of a unit's own dossiers (`counting_plan`), per root catalogue and
per detailed query; scorecards are remembered by their inputs. It is thread-safe: one lock guards the
caches (`_lock`), and a count runs without it on a snapshot (`counting_plan`), one count at a time, so that
absorbing a batch never waits behind a long count and overlapping pools do not count the same parts twice;
and a count pauses between parts while a batch is being written (`writer_gate`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tthc.contracts import catalog_v1
from tthc.indicators.counting_plan import (
    CountCaches,
    Counted,
    CountPlan,
    PartKey,
    count_missing,
    earliest,
    plan,
    unit_sums,
)
from tthc.indicators.domain.counting import (
    CATALOGUE_METRICS,
    CountingConfig,
    UnitCount,
    count_unit,
    count_unit_detailed,
    inherit_catalogue_metrics,
)
from tthc.indicators.domain.counting_tally import MetricIds
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, MetricInput, Scorecard, ScoringConfig, score_unit
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel
from tthc.indicators.explanation import UNSOURCED_METRICS
from tthc.indicators.projection.codec import shared_instants
from tthc.indicators.projection.facts_cache import FactsCache, bucket_of
from tthc.indicators.projection.mapping_catalogue import procedure_facts
from tthc.indicators.projection.units import UnitTree
from tthc.indicators.writer_gate import WriterGate
from tthc.kit.worktime import WorkingCalendar

_Inputs = dict[MetricCode, MetricInput]
_DETAILED_KEPT = 8  # detailed counts (with ids) kept for paging through explanations
_SCORED_KEPT = 2048  # scorecards remembered by their inputs (≈ 22 KB each)


class ReadModel:
    """Facts in memory and cached counts (see the module docstring)."""

    def __init__(
        self,
        tree: UnitTree,
        dossiers: Iterable[DossierFacts],
        procedures: Mapping[str, catalog_v1.ProcedureChanged],
        *,
        calendar: WorkingCalendar | None,
        counting: CountingConfig,
        scoring: ScoringConfig,
    ) -> None:
        self._tree, self._calendar, self._counting, self._scoring = tree, calendar, counting, scoring
        self._lock = threading.RLock()  # the caches
        self._one_count = threading.Lock()  # taken before `_lock`, never after it
        self.gate = WriterGate()  # counts step aside while a batch is written
        self._facts = FactsCache()
        for facts in dossiers:
            self._facts.put(facts)
        self._procedures = {code: procedure_facts(event, calendar) for code, event in procedures.items()}
        self._counts = CountCaches()  # per pool, per unit's own dossiers, per part of them
        self._scored: OrderedDict[tuple[Any, ...], Scorecard] = OrderedDict()
        self._catalogue: dict[tuple[str, Period], _Inputs] = {}
        self._detailed: OrderedDict[tuple[str, Period, datetime], UnitCount] = OrderedDict()

    def absorb(
        self, dossiers: Iterable[DossierFacts], procedures: Mapping[str, catalog_v1.ProcedureChanged]
    ) -> None:
        """Takes in new facts and drops the counts they change (a catalogue change drops them all)."""
        kept = [shared_instants(facts) for facts in dossiers]  # before the lock: queries wait on it
        with self._lock:
            touched: set[str] = set()
            parts: set[tuple[str, int]] = set()
            for facts in kept:
                units = self._facts.put(facts)
                touched |= units
                parts.update((unit, bucket_of(facts.dossier_id)) for unit in units)
            for code, event in procedures.items():
                self._procedures[code] = procedure_facts(event, self._calendar)
            if procedures:
                self._counts.clear()
                self._catalogue.clear()
            else:
                self._counts.drop(touched, self._with_ancestors(touched), parts)
            if procedures or touched:
                self._detailed.clear()

    def _with_ancestors(self, units: set[str]) -> set[str]:
        found = set(units)
        for unit in units:
            found.update(self._tree.ancestors(unit))
        return found

    def dossier(self, dossier_id: str) -> DossierFacts | None:
        """One dossier's facts (None when unknown)."""
        with self._lock:
            return self._facts.get(dossier_id)

    def procedures(self) -> dict[str, ProcedureFacts]:
        """A copy of the catalogue, by procedure code."""
        with self._lock:
            return dict(self._procedures)

    def scorecard(self, unit_code: str, period: Period, as_of: datetime) -> Scorecard:
        """The unit's scorecard for `period` as of `as_of` (already bounded by the period's end).

        Raises:
            UnknownUnitError: the unit is not in the registry.
        """
        inputs = self._inputs(unit_code, period, as_of)
        with self._lock:
            return self._scorecard_of(unit_code, period, inputs)

    def cached_scorecard(self, unit_code: str, period: Period, as_of: datetime) -> Scorecard | None:
        """`scorecard` when the pool's inputs are cached and current, else None; never waits: None also
        when the caches' lock is held (a batch being absorbed, a count being planned or settled)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            cached = self._counts.pools.get(unit_code, period, as_of)
            return None if cached is None else self._scorecard_of(unit_code, period, dict(cached))
        finally:
            self._lock.release()

    def _scorecard_of(self, unit_code: str, period: Period, inputs: _Inputs) -> Scorecard:
        """The scorecard of the pool's `inputs`, with the root's catalogue metrics (under the lock)."""
        root = self._tree.root(unit_code)
        if root != unit_code:
            inputs = inherit_catalogue_metrics(self._catalogue_inputs(root, period), inputs)
        return self._score(inputs, self._tree.scoring_level(unit_code))

    def ids(self, unit_code: str, period: Period, as_of: datetime, metric: MetricCode) -> MetricIds | None:
        """The ids counted in `metric` for the unit (catalogue metrics: its root's) as of `as_of`.

        Raises:
            UnknownUnitError: the unit is not in the registry.
        """
        target = self._tree.root(unit_code) if metric in CATALOGUE_METRICS else unit_code
        with self._lock:
            self._tree.get(unit_code)
            return self._detailed_count(target, period, as_of).breakdown.get(metric)

    def _score(self, inputs: _Inputs, level: ScoringLevel | None) -> Scorecard:
        """`score_unit`, remembered by its arguments (the same inputs always score the same)."""
        key = (frozenset(inputs.items()), level)
        found = self._scored.get(key)
        if found is None:
            found = self._scored[key] = score_unit(inputs, self._scoring, level=level)
            while len(self._scored) > _SCORED_KEPT:
                self._scored.popitem(last=False)
        else:
            self._scored.move_to_end(key)
        return found

    def _inputs(self, unit: str, period: Period, as_of: datetime) -> _Inputs:
        """The pool's inputs: cached, else counted without holding the caches' lock (`counting_plan`)."""
        with self._lock:
            cached = self._counts.pools.get(unit, period, as_of)
            if cached is not None:
                return dict(cached)
        # one count at a time: pools overlap (a province holds its districts), so concurrent counts would
        # count the same parts; the next one finds them cached
        with self._one_count:
            with self._lock:
                cached = self._counts.pools.get(unit, period, as_of)
                if cached is not None:
                    return dict(cached)
                planned = self._plan(unit, period, as_of)
            counted = count_missing(planned, self._counting, self._in_buckets, self.gate.wait_for_writers)
            with self._lock:
                return self._settle(planned, counted)

    def _plan(self, unit: str, period: Period, as_of: datetime) -> CountPlan:
        pool = sorted(self._tree.pool(unit))
        units = [self._tree.unit_facts(code) for code in pool]
        return plan(unit, pool, units, period, as_of, self._counts, self._procedures)

    def _in_buckets(self, unit: str, buckets: Sequence[int]) -> dict[int, list[DossierFacts]]:
        with self._lock:
            return self._facts.in_buckets(unit, buckets)

    def _settle(
        self, planned: CountPlan, counted: Mapping[PartKey, Counted]
    ) -> dict[MetricCode, MetricInput]:
        """Sums the units' parts, merges the sums into the pool's inputs and caches what is still current."""
        period, as_of, caches = planned.period, planned.as_of, self._counts
        for key, (part, until) in counted.items():
            caches.parts.put(key, period, as_of, part, until, counted_at=planned.parts_stamp)
        summed = unit_sums(planned, counted)
        for code, (total, until) in summed.items():
            caches.sums.put(code, period, as_of, total, until, counted_at=planned.sums_stamp)
        sums = [*planned.sums.values(), *summed.values()]
        inputs = count_unit(
            (), planned.procedures, period, as_of, self._counting,
            units=planned.units, parts=[total for total, _ in sums],
        )  # fmt: skip
        inputs.update({code: MetricInput.unavailable() for code in UNSOURCED_METRICS})
        until = earliest(until for _, until in sums)
        caches.pools.put(planned.unit, period, as_of, inputs, until, counted_at=planned.pools_stamp)
        return dict(inputs)

    def _catalogue_inputs(self, root: str, period: Period) -> dict[MetricCode, MetricInput]:
        """The root's catalogue-level inputs: they depend on procedures and units only, not on dossiers."""
        found = self._catalogue.get((root, period))
        if found is None:
            units = [self._tree.unit_facts(code) for code in sorted(self._tree.pool(root))]
            counted = count_unit((), self._procedures, period, period.end, self._counting, units=units)
            counted.update({code: MetricInput.unavailable() for code in UNSOURCED_METRICS})
            found = self._catalogue[(root, period)] = {
                code: value for code, value in counted.items() if code in CATALOGUE_METRICS
            }
        return found

    def _detailed_count(self, unit: str, period: Period, as_of: datetime) -> UnitCount:
        key = (unit, period, as_of)
        found = self._detailed.get(key)
        if found is None:
            pool = self._tree.pool(unit)
            units = [self._tree.unit_facts(code) for code in sorted(pool)]
            found = count_unit_detailed(
                self._facts.in_units(pool), self._procedures, period, as_of, self._counting, units=units
            )
            self._detailed[key] = found
            while len(self._detailed) > _DETAILED_KEPT:
                self._detailed.popitem(last=False)
        self._detailed.move_to_end(key)
        return found
