"""A replay split across processes by partition (`tthc index replay --workers N`).

One process projects at most one CPU's worth of events (the interpreter lock), so a rebuild on a machine
with several cores runs one worker process per share of the partitions. All of a dossier's events are on one
partition (the key is the dossier id), so the shares are independent: each worker runs the ordinary replay
(`replay_share`: same decoding, same exactly-once rule, same offset commits for the group, per partition)
into the same target store. The store lets writers of other processes in: each batch reads and projects
without the write lock and only queues for its short write; the tracking rows' version check would catch
an aggregate written by two workers (it cannot happen: the shares do not overlap).

Shares are balanced by record count (largest partition first, to the least loaded worker). The target must
be shared by the processes: a SQLite file or PostgreSQL, not `sqlite:///:memory:`.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import replace
from typing import Any

from tthc.indicators.projection.store import FactsStore
from tthc.indicators.replay import (
    Progress,
    ReplayReport,
    ReplaySource,
    ReplayTotals,
    in_own_loop,
    open_target,
    prepare_store,
    replay_share,
    report_of,
)
from tthc.indicators.replay_reader import partition_sizes

Partition = tuple[str, int]
"""(topic, partition number)."""

_progress_queue: Any = None  # set in each worker process by `_start_worker`


class SharedStoreRequiredError(ValueError):
    """A parallel replay into a store other processes cannot open (an in-memory SQLite database)."""


def is_shared_store(store_url: str) -> bool:
    """Other processes can open the store: a SQLite file or PostgreSQL, not an in-memory database."""
    return store_url.removeprefix("sqlite:///") not in ("", ":memory:")


def plan_shares(sizes: dict[Partition, int], workers: int) -> list[tuple[Partition, ...]]:
    """Splits the partitions into at most `workers` shares of about equal record counts (pure).

    Empty partitions go to a share too (the replay then checks them and moves on); no share is empty.
    """
    count = max(1, min(workers, len(sizes)))
    shares: list[list[Partition]] = [[] for _ in range(count)]
    loads = [0] * count
    for partition in sorted(sizes, key=lambda where: (-sizes[where], where)):
        lightest = loads.index(min(loads))
        shares[lightest].append(partition)
        loads[lightest] += sizes[partition]
    return [tuple(sorted(share)) for share in shares if share]


def replay_in_parallel(
    store_url: str,
    source: ReplaySource,
    *,
    workers: int,
    force: bool = False,
    progress: Progress | None = None,
) -> ReplayReport:
    """Replays the source's topics into the store at `store_url` with up to `workers` processes.

    Raises:
        SharedStoreRequiredError: `store_url` is an in-memory database.
        StoreNotEmptyError, MissingTopicError, ReplayStalledError: as `replay` (the first worker error).
    """
    if not is_shared_store(store_url):
        raise SharedStoreRequiredError("a parallel replay needs a store file or PostgreSQL, not memory")
    store = FactsStore.open(store_url)
    try:
        prepare_store(store, source, force=force)
        started = time.monotonic()
        sizes = in_own_loop(partition_sizes(source))
        shares = plan_shares(sizes, workers)
        totals = _run_workers(store_url, source, shares, progress, planned=sum(sizes.values()))
        return report_of(store, totals, time.monotonic() - started)
    finally:
        store.close()


def _run_workers(
    store_url: str,
    source: ReplaySource,
    shares: Sequence[tuple[Partition, ...]],
    progress: Progress | None,
    *,
    planned: int,
) -> list[ReplayTotals]:
    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads and connections
    updates = context.Queue()
    with ProcessPoolExecutor(
        len(shares), mp_context=context, initializer=_start_worker, initargs=(updates,)
    ) as pool:
        futures = [
            pool.submit(_replay_in_worker, store_url, replace(source, partitions=share), number)
            for number, share in enumerate(shares)
        ]
        _relay_progress(futures, updates, progress, planned)
        return [future.result() for future in futures]  # raises the first worker's error


def _relay_progress(
    futures: Sequence[Future[ReplayTotals]], updates: Any, progress: Progress | None, planned: int
) -> None:
    """Passes the workers' progress on until all have finished (totals: each worker's own, once known)."""
    totals: dict[int, int] = {}
    while True:
        done = all(future.done() for future in futures)
        try:
            while True:
                worker, records, total = updates.get(timeout=0.0 if done else 0.2)
                totals[worker] = total
                if progress is not None:
                    progress(records, sum(totals.values()) if len(totals) == len(futures) else planned)
        except queues.Empty:
            pass
        if done:
            wait(futures)
            return


def _start_worker(updates: Any) -> None:
    global _progress_queue
    _progress_queue = updates


def _replay_in_worker(store_url: str, source: ReplaySource, number: int) -> ReplayTotals:
    """One worker process's share: the ordinary replay of its partitions into the shared store."""

    def report(records: int, total: int) -> None:
        _progress_queue.put((number, records, total))

    store = open_target(store_url)
    try:
        return replay_share(store, source, report)
    finally:
        store.close()
