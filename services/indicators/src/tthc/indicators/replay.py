"""Rebuilding the facts store from the event topics (they keep everything: architecture §3).

`replay` reads the dossier and catalogue topics with manual partition assignment (never joining a consumer
group, so the live consumers are not disturbed) from offset 0 up to the end offsets captured when it starts
(`replay_reader`), and applies the fetched batches to the store with the live consumer's decoding and
exactly-once rule (a re-published copy is counted as a duplicate), one transaction per window of many
batches (`replay_apply`: a dossier touched by several of them is read and written once). Events published
after the start are left to the consumer that runs next. Reading overlaps applying: a reader task fills a
small queue of batches while the store projects the previous one in its own thread, in fetch order (so each
partition stays in offset order).

- The target store must be fresh: `StoreNotEmptyError` unless `force`, which clears it first.
- `group`: also commit each committed window's next offsets for this consumer group, so workers started with
  it on the rebuilt store go on from where the replay stopped. Kafka refuses these commits while the group
  has live members. With `from_beginning=False` the replay resumes from the group's committed offsets into
  the existing store (an interrupted rebuild; the store's tracking makes any overlap harmless).
- Nothing is dead-lettered again (the live consumer did it); unreadable and rejected events are counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from tthc.indicators.projection.store import FactsStore
from tthc.indicators.replay_apply import WINDOW_RECORDS, Committed, WindowedApply
from tthc.indicators.replay_reader import MissingTopicError, ReplayStalledError, TopicReader
from tthc.kit.gctune import paused_gc

__all__ = [
    "MissingTopicError",
    "Progress",
    "ReplayReport",
    "ReplaySource",
    "ReplayStalledError",
    "ReplayTotals",
    "StoreNotEmptyError",
    "in_own_loop",
    "open_target",
    "prepare_store",
    "replay",
    "replay_share",
    "report_of",
]

REPLAY_PAGE_CACHE_MIB = 256
"""SQLite's page cache for each connection that writes a replay. A rebuild writes rows at random keys all
over a store that grows to ≈ 2 GB at 2 M dossiers, and SQLite's default 2 MiB cache misses nearly every
page: with 64 MiB the 2 M replay went from 35,184 / 35,370 to 37,138 / 38,467 events/s (two alternated
pairs, 2 workers), for ≈ 70 MB more per worker. With 256 MiB each worker spent ≈ 10 % less time in
SQLite (≈ 48 s against ≈ 53 s of the 2 M replay: writes and look-ups faster, commits slower) and ≈ 20 %
less in system calls, for ≈ 200 MB more per worker (largest process ≈ 880 MB)."""

COLLECT_EVERY_WINDOWS = 8
"""Committed windows between two garbage collections in a replay. A collection walks what the window holds
(≈ 600,000 objects, ≈ 0.45 s: ≈ 1.1 µs per replayed event when run after every window) and finds almost
nothing: 16 objects in cycles in the whole 2 M replay (2 workers, each collecting twice)."""

Progress = Callable[[int, int], None]
"""Called after each batch with the number of records just replayed and the total to replay."""

_QUEUED_BATCHES = 8  # fetched batches waiting for the store: bounds the memory the reader may run ahead with
_APPLIED_AT_MOST = 16_000  # records decoded at once when the reader is ahead
_T = TypeVar("_T")


class StoreNotEmptyError(RuntimeError):
    """A replay into a store that already holds facts, parked events or tracking rows."""


@dataclass(frozen=True, slots=True)
class ReplaySource:
    """Where to read: bootstrap servers, topics, an optional group to commit to, and where to start."""

    bootstrap: str
    topics: tuple[str, ...]
    group: str | None = None
    from_beginning: bool = True
    max_records: int = 2000
    stall_timeout_s: float = 60.0
    partitions: tuple[tuple[str, int], ...] = ()
    """Only these (topic, partition) pairs of `topics` (empty = all): one share of a parallel replay."""
    window_records: int = WINDOW_RECORDS
    """Records per store transaction (`replay_apply`)."""


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay read and did; `parked` is what the store still holds ahead of a gap at the end."""

    records: int
    unreadable: int
    applied: int
    duplicates: int
    parked: int
    rejected: int
    dossiers: int
    procedures: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Records replayed per second of wall time."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


def replay(
    store: FactsStore, source: ReplaySource, *, force: bool = False, progress: Progress | None = None
) -> ReplayReport:
    """Replays the topics into `store` (see the module docstring).

    Raises:
        StoreNotEmptyError: a replay from the beginning into a store that is not fresh, without `force`.
        MissingTopicError: a topic does not exist.
        ReplayStalledError: no record arrived for `stall_timeout_s` before the end offsets were reached.
    """
    prepare_store(store, source, force=force)
    started = time.monotonic()
    totals = replay_share(store, source, progress)
    return report_of(store, [totals], time.monotonic() - started)


def open_target(store_url: str) -> FactsStore:
    """The store a replay writes into, with the replay's page cache (`REPLAY_PAGE_CACHE_MIB`)."""
    return FactsStore.open(store_url, page_cache_mib=REPLAY_PAGE_CACHE_MIB)


def prepare_store(store: FactsStore, source: ReplaySource, *, force: bool) -> None:
    """Checks (or, with `force`, clears) the target of a replay from the beginning.

    Raises:
        StoreNotEmptyError: the store holds a projection and `force` is not set.
    """
    if source.from_beginning and not store.is_empty():
        if not force:
            raise StoreNotEmptyError("the store already holds a projection; use a fresh one or force")
        store.clear()


def replay_share(store: FactsStore, source: ReplaySource, progress: Progress | None) -> ReplayTotals:
    """Reads the source's partitions into the store (the caller checked the store), with the collector
    paused: it runs once per `COLLECT_EVERY_WINDOWS` committed windows (`tthc.kit.gctune.paused_gc`)."""
    with paused_gc(collect_every=COLLECT_EVERY_WINDOWS) as collect:
        return in_own_loop(_replay_batches(store, source, progress, collect))


def report_of(store: FactsStore, shares: Sequence[ReplayTotals], seconds: float) -> ReplayReport:
    """The report of a replay made of `shares`, with what the store holds at the end."""
    return ReplayReport(
        records=sum(share.records for share in shares),
        unreadable=sum(share.unreadable for share in shares),
        applied=sum(share.applied for share in shares),
        duplicates=sum(share.duplicates for share in shares),
        parked=store.pending_count(),
        rejected=sum(share.rejected for share in shares),
        dossiers=store.dossier_count(),
        procedures=len(store.procedures()),
        seconds=seconds,
    )


@dataclass(slots=True)
class ReplayTotals:
    """What one replay (or one worker's share of it) read and did."""

    records: int = 0
    unreadable: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, records: int, unreadable: int, applied: int, duplicates: int, rejected: int) -> None:
        """Adds one batch's counts."""
        self.records += records
        self.unreadable += unreadable
        self.applied += applied
        self.duplicates += duplicates
        self.rejected += rejected


def in_own_loop(work: Coroutine[Any, Any, _T]) -> _T:
    """Runs `work` in a fresh event loop on its own thread (the caller may be inside a running loop)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-loop") as runner:
        return runner.submit(asyncio.run, work).result()


async def _replay_batches(
    store: FactsStore, source: ReplaySource, progress: Progress | None, collect: Callable[[], object]
) -> ReplayTotals:
    """Projects the batches the reader task queues in the store's own thread, through windows of
    `source.window_records` records (`replay_apply`); each window's offsets are committed while the next
    batches are projected, and `collect` runs after each window."""
    totals = ReplayTotals()
    loop = asyncio.get_running_loop()
    windows = WindowedApply(store, source.window_records)
    async with TopicReader(source) as reader:
        queue: asyncio.Queue[list[Any] | BaseException | None] = asyncio.Queue(maxsize=_QUEUED_BATCHES)
        feeder = asyncio.create_task(_feed(reader, queue))
        committing: asyncio.Task[None] | None = None

        async def committed(window: Committed | None) -> None:
            nonlocal committing
            if window is None:
                return
            if committing is not None:
                await committing
            collect()
            committing = asyncio.create_task(reader.commit(window.offsets))
            totals.add(window.records, window.unreadable, window.applied, window.duplicates, window.rejected)

        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-store") as store_thread:
                async for records in _coalesced(queue, _APPLIED_AT_MOST):
                    await committed(await loop.run_in_executor(store_thread, windows.add, records))
                    if progress is not None:
                        progress(len(records), reader.total)
                await committed(await loop.run_in_executor(store_thread, windows.commit))
            if committing is not None:
                await committing
        finally:
            feeder.cancel()
            if committing is not None and not committing.done():
                committing.cancel()
    return totals


async def _coalesced(
    queue: asyncio.Queue[list[Any] | BaseException | None], limit: int
) -> AsyncIterator[list[Any]]:
    """The queued batches in order; batches already waiting are joined (up to `limit` records) so that the
    store writes a dossier touched by several of them once."""
    finished = False
    while not finished:
        item = await queue.get()
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        records = list(item)
        while len(records) < limit and not queue.empty():
            item = queue.get_nowait()
            if item is None:
                finished = True
                break
            if isinstance(item, BaseException):
                yield records
                raise item
            records += item
        yield records


async def _feed(reader: TopicReader, queue: asyncio.Queue[list[Any] | BaseException | None]) -> None:
    """Queues the reader's batches, then None at the end (or the error that stopped the reading)."""
    try:
        async for records in reader.batches():
            await queue.put(records)
    except Exception as error:
        await queue.put(error)
    else:
        await queue.put(None)
