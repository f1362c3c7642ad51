"""The replay joins the batches already waiting into one transaction, in order, and stops where the reader
stopped (its end or its error)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tthc.indicators.replay import _coalesced


def _queue(*items: list[Any] | BaseException | None) -> asyncio.Queue[list[Any] | BaseException | None]:
    queue: asyncio.Queue[list[Any] | BaseException | None] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    return queue


async def _collect(queue: asyncio.Queue[list[Any] | BaseException | None], limit: int) -> list[list[Any]]:
    return [records async for records in _coalesced(queue, limit)]


async def test_waiting_batches_are_joined_in_order_up_to_the_limit() -> None:
    queue = _queue([1, 2], [3], [4, 5], [6], None)
    assert await _collect(queue, limit=3) == [[1, 2, 3], [4, 5, 6]]


async def test_a_batch_arriving_later_is_applied_on_its_own() -> None:
    queue = _queue([1], [2])

    async def later() -> None:
        await asyncio.sleep(0.05)
        queue.put_nowait([3])
        queue.put_nowait(None)

    task = asyncio.create_task(later())
    assert await _collect(queue, limit=100) == [[1, 2], [3]]
    await task


async def test_the_records_before_a_reader_error_are_applied_then_the_error_raised() -> None:
    queue = _queue([1], [2], RuntimeError("broker gone"), [3])
    seen: list[list[Any]] = []

    async def apply_all() -> None:
        async for records in _coalesced(queue, 100):
            seen.append(records)

    with pytest.raises(RuntimeError, match="broker gone"):
        await apply_all()
    assert seen == [[1, 2]]
