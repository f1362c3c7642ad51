"""The indicators read model: facts from public events in, 766 scorecards and their drill-down out.

`Indicators` applies polled batches to the facts store (exactly-once effects, one transaction per batch),
keeps every dossier's facts in memory by unit (loaded from the store at start, updated after each commit) and
answers scorecard and explain queries for any unit of the registry: the pool is the unit and its
descendants; catalogue-level metrics are the province's (children inherit them); the count is "as of"
min(period end, now) from the injected clock.

Several instances may share one PostgreSQL store, each applying only its partitions' events
(docs/scale-out.md): before answering, a read model older than `refresh_interval_s` first absorbs the facts
rows other writers committed since it last looked (by change sequence number), so every instance answers for
every unit, at most about `refresh_interval_s` behind the store. `refresh()` does it on demand.

Counts are cached per (unit, period). An entry is dropped when a dossier of the pool changes (or any
procedure changes) and expires when the clock reaches the next instant at which a verdict could change with
no event (a pending dossier's due date, the period's end: `projection.validity`). A count runs without the
caches' lock, on a snapshot of the facts it needs (`counting_plan`): a batch never waits behind a long
count, and a count whose facts changed meanwhile answers its query but is not kept.

Not available yet, on purpose: 4.6 (electronic certified copies: no event tells which communes offer them)
is reported as not available; petitions (5.1–5.3) have no events yet, so petition metrics count 0 / 0.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tthc.contracts import catalog_v1
from tthc.indicators.counting_plan import Counted, CountPlan, PartKey, count_missing, plan
from tthc.indicators.domain.counting import (
    CATALOGUE_METRICS,
    CountingConfig,
    UnitCount,
    count_unit,
    count_unit_detailed,
    inherit_catalogue_metrics,
)
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import (
    DEFAULT,
    MetricCode,
    MetricInput,
    Scorecard,
    ScoringConfig,
    score_unit,
)
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel
from tthc.indicators.explanation import (
    UNSOURCED_METRICS,
    Explanation,
    InvalidPageTokenError,
    explanation_page,
    read_page_token,
)
from tthc.indicators.projection.decoding import InboundEvent
from tthc.indicators.projection.facts_cache import CountCache, FactsCache, bucket_of
from tthc.indicators.projection.mapping_catalogue import procedure_facts
from tthc.indicators.projection.sequencing import BatchResult
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree, load_unit_tree
from tthc.kit.clock import Clock
from tthc.kit.worktime import WorkingCalendar

__all__ = [
    "UNSOURCED_METRICS",
    "BatchResult",
    "Explanation",
    "Indicators",
    "InvalidPageTokenError",
    "ProjectionTotals",
]

_Inputs = dict[MetricCode, MetricInput]
_DETAILED_KEPT = 8  # detailed counts (with ids) kept for paging through explanations
_SCORED_KEPT = 2048  # scorecards remembered by their inputs (≈ 22 KB each)

log = logging.getLogger(__name__)

SLOW_S = 0.25
"""A batch or a scorecard taking at least this long is logged with where its time went."""


@dataclass(frozen=True, slots=True)
class ProjectionTotals:
    """What this process's batches did since it started (sums of `BatchResult`s)."""

    batches: int = 0
    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    rejected: int = 0

    def plus(self, result: BatchResult) -> ProjectionTotals:
        """These totals with one more batch."""
        return ProjectionTotals(
            self.batches + 1,
            self.applied + result.applied,
            self.duplicates + result.duplicates,
            self.parked + result.parked,
            self.rejected + len(result.rejected),
        )


class Indicators:
    """The 766 index read model of one process (see the module docstring)."""

    def __init__(
        self,
        store: FactsStore,
        units: UnitTree,
        clock: Clock,
        *,
        calendar: WorkingCalendar | None = None,
        counting: CountingConfig | None = None,
        scoring: ScoringConfig = DEFAULT,
        refresh_interval_s: float = 1.0,
    ) -> None:
        self._store, self._tree, self._clock, self._calendar = store, units, clock, calendar
        self._counting = counting or CountingConfig()
        self._scoring = scoring
        self._lock = threading.RLock()  # the caches
        self._one_count = threading.Lock()  # taken before `_lock`, never after it
        self._sync = threading.Lock()  # store → caches transfers (own batches, refreshes), one at a time
        self._refresh_interval_s = refresh_interval_s
        self._totals = ProjectionTotals()
        # every row written up to this change number is loaded below (later ones come with refreshes)
        self._seen_change = store.last_change()
        self._refreshed_at = time.monotonic()
        self._facts = FactsCache()
        for facts in store.dossiers():
            self._facts.put(facts)
        self._procedures = {
            code: procedure_facts(event, calendar) for code, event in store.procedures().items()
        }
        self._counts = CountCache()  # per pool: the inputs
        self._parts = (
            CountCache()
        )  # per (unit, bucket): a pass over part of its own dossiers (merged into pools)
        self._scored: OrderedDict[tuple[Any, ...], Scorecard] = OrderedDict()
        self._catalogue: dict[tuple[str, Period], dict[MetricCode, MetricInput]] = {}
        self._detailed: OrderedDict[tuple[str, Period, datetime], UnitCount] = OrderedDict()

    @classmethod
    def open(
        cls,
        store_url: str,
        clock: Clock,
        *,
        units_file: Path | None = None,
        calendar: WorkingCalendar | None = None,
        refresh_interval_s: float = 1.0,
    ) -> Indicators:
        """A read model on the store at `store_url` with the registry at `units_file` (None = sample)."""
        return cls(
            FactsStore.open(store_url),
            load_unit_tree(units_file),
            clock,
            calendar=calendar,
            refresh_interval_s=refresh_interval_s,
        )

    def close(self) -> None:
        """Closes the store."""
        self._store.close()

    # -- writing -------------------------------------------------------------------------------------------

    def apply_batch(self, events: Sequence[InboundEvent]) -> BatchResult:
        """Applies one polled batch in one store transaction, then updates the in-memory caches (a slow
        batch is logged with where its time went)."""
        began = time.perf_counter()
        with self._sync:
            locked = time.perf_counter()
            stored = self._store.apply(events)
            written = time.perf_counter()
            self._absorb(stored.dossiers.values(), stored.procedures)
            if stored.changes and stored.changes.start == self._seen_change + 1:
                self._seen_change = stored.changes[-1]  # nobody else wrote in between: nothing to re-read
            self._totals = self._totals.plus(stored.result)
        ended = time.perf_counter()
        if ended - began >= SLOW_S:
            log.warning(
                "a batch of %d events took %.2f s: %.2f s waiting for the previous one, %.2f s in the store, "
                "%.2f s updating the caches", len(events), ended - began, locked - began, written - locked,
                ended - written,
            )  # fmt: skip
        return stored.result

    @property
    def totals(self) -> ProjectionTotals:
        """What this process's batches did since it started."""
        return self._totals

    def refresh(self) -> int:
        """Absorbs the facts other writers of a shared store committed since the last look; returns how many
        rows were read."""
        with self._sync:
            return self._refresh()

    def _refresh(self) -> int:
        changes = self._store.changes_since(self._seen_change)
        if changes.dossiers or changes.procedures:  # else the caches' lock is not needed: a count may hold it
            self._absorb(changes.dossiers, changes.procedures)
        self._seen_change = changes.last
        self._refreshed_at = time.monotonic()
        return len(changes.dossiers) + len(changes.procedures)

    def _refresh_if_due(self) -> None:
        if time.monotonic() - self._refreshed_at < self._refresh_interval_s:
            return
        if self._sync.acquire(blocking=False):  # a batch of our own is being applied: answer without waiting
            try:
                self._refresh()
            finally:
                self._sync.release()

    def _absorb(
        self, dossiers: Iterable[DossierFacts], procedures: Mapping[str, catalog_v1.ProcedureChanged]
    ) -> None:
        with self._lock:
            touched: set[str] = set()
            parts: set[tuple[str, int]] = set()
            for facts in dossiers:
                units = self._facts.put(facts)
                touched |= units
                parts.update((unit, bucket_of(facts.dossier_id)) for unit in units)
            for code, event in procedures.items():
                self._procedures[code] = procedure_facts(event, self._calendar)
            if procedures:
                self._counts.clear()
                self._parts.clear()
                self._catalogue.clear()
            else:
                self._counts.invalidate(self._with_ancestors(touched))
                self._parts.invalidate(parts)
            if procedures or touched:
                self._detailed.clear()

    def _with_ancestors(self, units: set[str]) -> set[str]:
        found = set(units)
        for unit in units:
            found.update(self._tree.ancestors(unit))
        return found

    # -- queries -------------------------------------------------------------------------------------------

    def units(self) -> tuple[UnitInfo, ...]:
        """Every unit of the registry."""
        return tuple(self._tree)

    def dossier(self, dossier_id: str) -> DossierFacts | None:
        """One dossier's facts as projected (None when unknown)."""
        self._refresh_if_due()
        with self._lock:
            return self._facts.get(dossier_id)

    @property
    def procedures(self) -> Mapping[str, ProcedureFacts]:
        """The projected catalogue, by procedure code."""
        self._refresh_if_due()
        return dict(self._procedures)

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        """The unit's scorecard for `period`, counted as of min(period end, `as_of` or now).

        Raises:
            UnknownUnitError: the unit is not in the registry.
        """
        instant = self._as_of(period, as_of)
        began = time.perf_counter()
        self._refresh_if_due()
        refreshed = time.perf_counter()
        inputs = self._inputs(unit_code, period, instant)
        counted = time.perf_counter()
        with self._lock:
            root = self._tree.root(unit_code)
            if root != unit_code:
                inputs = inherit_catalogue_metrics(self._catalogue_inputs(root, period), inputs)
            card = self._score(inputs, self._tree.scoring_level(unit_code))
        ended = time.perf_counter()
        if ended - began >= SLOW_S:
            log.warning(
                "the scorecard of %s for %s took %.2f s: %.2f s refreshing, %.2f s counting, %.2f s scoring",
                unit_code, period, ended - began, refreshed - began, counted - refreshed, ended - counted,
            )  # fmt: skip
        return card

    def warm_up(self, periods: Iterable[Period], stop: threading.Event | None = None) -> int:
        """Counts every unit's scorecard for `periods`, the deepest units first, so that a pool only merges
        the parts its children counted; returns how many were computed. A scorecard holds the caches' lock
        only to read and to store (the counting runs without it), so batches and queries go on meanwhile.
        Stops early when `stop` is set."""
        units = sorted(self._tree, key=lambda unit: -len(self._tree.ancestors(unit.code)))
        done = 0
        for period in periods:
            for unit in units:
                if stop is not None and stop.is_set():
                    return done
                self.scorecard(unit.code, period)
                done += 1
        return done

    def _score(self, inputs: dict[MetricCode, MetricInput], level: ScoringLevel | None) -> Scorecard:
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

    def explain(
        self,
        unit_code: str,
        period: Period,
        metric: MetricCode,
        page_size: int = 100,
        page_token: str = "",
    ) -> Explanation:
        """One page of the ids counted in `metric` for the unit and period (catalogue metrics: the root's).

        The first call counts as of now; its page tokens pin that instant, so later pages are consistent.

        Raises:
            UnknownUnitError: the unit is not in the registry.
            InvalidPageTokenError: `page_token` was not issued by this method.
            ValueError: `page_size` is not positive.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        offset, pinned = read_page_token(page_token)
        instant = pinned or self._as_of(period, None)
        target = self._tree.root(unit_code) if metric in CATALOGUE_METRICS else unit_code
        self._refresh_if_due()
        with self._lock:
            self._tree.get(unit_code)
            ids = self._detailed_count(target, period, instant).breakdown.get(metric)
        return explanation_page(unit_code, period, metric, ids, instant, offset, page_size)

    # -- counting ------------------------------------------------------------------------------------------

    def _as_of(self, period: Period, as_of: datetime | None) -> datetime:
        return period.as_of(self._clock.now() if as_of is None else as_of)

    def _inputs(self, unit: str, period: Period, as_of: datetime) -> _Inputs:
        """The pool's inputs: cached, else counted without holding the caches' lock (`counting_plan`)."""
        with self._lock:
            cached = self._counts.get(unit, period, as_of)
            if cached is not None:
                return dict(cached)
        # one count at a time: pools overlap (a province holds its districts), so concurrent counts would
        # count the same parts; the next one finds them cached
        with self._one_count:
            with self._lock:
                cached = self._counts.get(unit, period, as_of)
                if cached is not None:
                    return dict(cached)
                planned = self._plan(unit, period, as_of)
            counted = count_missing(planned, self._counting)
            with self._lock:
                return self._settle(planned, counted)

    def _plan(self, unit: str, period: Period, as_of: datetime) -> CountPlan:
        pool = sorted(self._tree.pool(unit))
        units = [self._tree.unit_facts(code) for code in pool]
        return plan(
            unit, pool, units, period, as_of, self._facts, self._parts, self._counts, self._procedures
        )

    def _settle(
        self, planned: CountPlan, counted: Mapping[PartKey, Counted]
    ) -> dict[MetricCode, MetricInput]:
        """Merges the plan's parts into the pool's inputs and caches what is still current."""
        period, as_of = planned.period, planned.as_of
        for key, (part, until) in counted.items():
            self._parts.put(key, period, as_of, part, until, counted_at=planned.parts_stamp)
        parts = [*planned.cached.values(), *counted.values()]
        inputs = count_unit(
            (), planned.procedures, period, as_of, self._counting,
            units=planned.units, parts=[part for part, _ in parts],
        )  # fmt: skip
        inputs.update({code: MetricInput.unavailable() for code in UNSOURCED_METRICS})
        until = _earliest(until for _, until in parts)
        self._counts.put(planned.unit, period, as_of, inputs, until, counted_at=planned.counts_stamp)
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


def _earliest(instants: Iterable[datetime | None]) -> datetime | None:
    """The earliest instant (None = never: every part stays the answer)."""
    known = [at for at in instants if at is not None]
    return min(known) if known else None
