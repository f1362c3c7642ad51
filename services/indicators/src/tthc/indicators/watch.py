"""Watching a scorecard: re-read it when something may have changed, pass on only real changes.

A scorecard changes when new events are applied, and also with no event at all, when the clock passes a
pending dossier's due date or the period's end (the read model's cache knows when its answer expires).
So a watcher re-reads on a short interval, and earlier when a `ChangeNotifier` says a batch was applied
(the composition root calls ``notifier.notify()`` after each ``Indicators.apply_batch``). Successive reads
are compared and only different ones are passed on (`distinct_updates`); `scorecard_changes` names what
moved.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from tthc.indicators.domain.scoring import GroupCode, MetricCode, Scorecard

T = TypeVar("T")


class ChangeNotifier:
    """Wakes every waiting watcher; `notify` may be called from any thread (e.g. the projection's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        """Signals that the read model may have changed."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscription(self) -> Iterator[asyncio.Event]:
        """An event set on every notification while the block runs (enter it inside the event loop)."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                self._waiters.discard(waiter)


async def distinct_updates(
    read: Callable[[], Awaitable[T]],
    same: Callable[[T, T], bool],
    *,
    interval: float,
    notifier: ChangeNotifier | None = None,
) -> AsyncGenerator[T, None]:
    """Yields the first value `read` returns, then each one that is not `same` as the last yielded.

    Reads again every `interval` seconds, or as soon as `notifier` signals. Runs until the consumer stops
    iterating (or the task is cancelled); errors of `read` propagate.
    """
    notifier = notifier or ChangeNotifier()
    with notifier.subscription() as changed:
        last = await read()
        yield last
        while True:
            await _wait(changed, interval)
            current = await read()
            if not same(last, current):
                last = current
                yield current


async def _wait(changed: asyncio.Event, interval: float) -> None:
    try:
        await asyncio.wait_for(changed.wait(), timeout=interval)
    except TimeoutError:
        return
    changed.clear()


@dataclass(frozen=True, slots=True)
class ScorecardChanges:
    """What differs between two scorecards of one unit and period."""

    metrics: tuple[MetricCode, ...]
    groups: tuple[GroupCode, ...]
    total: bool

    @property
    def any(self) -> bool:
        """True when anything differs."""
        return bool(self.metrics or self.groups or self.total)


def scorecard_changes(before: Scorecard, after: Scorecard) -> ScorecardChanges:
    """The metrics (any figure), groups (score) and total that differ, in definition order."""
    old_metrics = {metric.code: metric for metric in before.metrics}
    old_groups = {group.code: group for group in before.groups}
    return ScorecardChanges(
        metrics=tuple(m.code for m in after.metrics if old_metrics.get(m.code) != m),
        groups=tuple(g.code for g in after.groups if old_groups.get(g.code) != g),
        total=before.total != after.total,
    )
