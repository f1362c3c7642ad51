"""The indicators read model: facts from public events in, 766 scorecards and their drill-down out.

`Indicators` applies polled batches to the facts store (exactly-once effects, one transaction per batch),
keeps every dossier's facts in memory by unit (`read_model.ReadModel`: loaded from the store at start,
updated after each commit) and answers scorecard and explain queries for any unit of the registry: the pool
is the unit and its descendants; catalogue-level metrics are the province's (children inherit them); the
count is "as of" min(period end, now) from the injected clock.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tthc.indicators.domain.counting import (
    CountingConfig,
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
)
from tthc.indicators.explanation import (
    UNSOURCED_METRICS,
    Explanation,
    InvalidPageTokenError,
    explanation_page,
    read_page_token,
)
from tthc.indicators.projection.decoding import InboundEvent
from tthc.indicators.projection.sequencing import BatchResult
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree, load_unit_tree
from tthc.indicators.read_model import ReadModel
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
        self._store, self._tree, self._clock = store, units, clock
        self._sync = threading.Lock()  # store → memory transfers (own batches, refreshes), one at a time
        self._refresh_interval_s = refresh_interval_s
        self._totals = ProjectionTotals()
        # every row written up to this change number is loaded below (later ones come with refreshes)
        self._seen_change = store.last_change()
        self._refreshed_at = time.monotonic()
        self._memory = ReadModel(
            units,
            store.dossiers(),
            store.procedures(),
            calendar=calendar,
            counting=counting or CountingConfig(),
            scoring=scoring,
        )

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
        with self._sync, self._memory.gate.writing():
            locked = time.perf_counter()
            stored = self._store.apply(events)
            written = time.perf_counter()
            self._memory.absorb(stored.dossiers.values(), stored.procedures)
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
        with self._memory.gate.writing():
            changes = self._store.changes_since(self._seen_change)
            if changes.dossiers or changes.procedures:  # else the caches' lock is not needed
                self._memory.absorb(changes.dossiers, changes.procedures)
        self._seen_change = changes.last
        self._refreshed_at = time.monotonic()
        return len(changes.dossiers) + len(changes.procedures)

    def _refresh_due(self) -> bool:
        return time.monotonic() - self._refreshed_at >= self._refresh_interval_s

    def _refresh_if_due(self) -> None:
        if not self._refresh_due():
            return
        if self._sync.acquire(blocking=False):  # a batch of our own is being applied: answer without waiting
            try:
                self._refresh()
            finally:
                self._sync.release()

    # -- queries -------------------------------------------------------------------------------------------

    def units(self) -> tuple[UnitInfo, ...]:
        """Every unit of the registry."""
        return tuple(self._tree)

    def dossier(self, dossier_id: str) -> DossierFacts | None:
        """One dossier's facts as projected (None when unknown)."""
        self._refresh_if_due()
        return self._memory.dossier(dossier_id)

    @property
    def procedures(self) -> Mapping[str, ProcedureFacts]:
        """The projected catalogue, by procedure code."""
        self._refresh_if_due()
        return self._memory.procedures()

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        """The unit's scorecard for `period`, counted as of min(period end, `as_of` or now).

        Raises:
            UnknownUnitError: the unit is not in the registry.
        """
        instant = self._as_of(period, as_of)
        began = time.perf_counter()
        self._refresh_if_due()
        refreshed = time.perf_counter()
        card = self._memory.scorecard(unit_code, period, instant)
        ended = time.perf_counter()
        if ended - began >= SLOW_S:
            log.warning(
                "the scorecard of %s for %s took %.2f s: %.2f s refreshing, %.2f s counting and scoring",
                unit_code, period, ended - began, refreshed - began, ended - refreshed,
            )  # fmt: skip
        return card

    def cached_scorecard(
        self, unit_code: str, period: Period, as_of: datetime | None = None
    ) -> Scorecard | None:
        """`scorecard` when the answer is at hand, without waiting, counting or reading the store: None when
        the store is due a re-read, the pool's inputs are not counted (or no longer current) or a batch is
        being taken in. For callers that must not block (the gRPC event loop); on None, call `scorecard`."""
        if self._refresh_due():
            return None
        return self._memory.cached_scorecard(unit_code, period, self._as_of(period, as_of))

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
        self._refresh_if_due()
        ids = self._memory.ids(unit_code, period, instant, metric)
        return explanation_page(unit_code, period, metric, ids, instant, offset, page_size)

    # -- counting ------------------------------------------------------------------------------------------

    def _as_of(self, period: Period, as_of: datetime | None) -> datetime:
        return period.as_of(self._clock.now() if as_of is None else as_of)
