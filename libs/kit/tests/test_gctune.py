"""`bulk_gc` freezes the heap and raises the thresholds for the block, then restores both."""

from __future__ import annotations

import gc

from prometheus_client import CollectorRegistry

from tthc.kit.gctune import (
    BULK_THRESHOLDS,
    SERVICE_THRESHOLDS,
    bulk_gc,
    observe_gc_pauses,
    paused_gc,
    settle_long_lived_heap,
)


def test_the_block_runs_with_bulk_thresholds_and_a_frozen_heap() -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with bulk_gc():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == before
    assert (gc.get_freeze_count() == 0) == (frozen_before == 0)


def test_cycles_made_inside_the_block_are_still_collected() -> None:
    class Node:
        partner: object = None

    with bulk_gc():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        del first, second
        assert gc.collect() >= 2


def test_a_paused_collector_collects_only_at_checkpoints_and_is_restored() -> None:
    class Node:
        partner: object = None

    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with paused_gc() as checkpoint:
        assert not gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        del first, second
        assert checkpoint() >= 2
    assert gc.isenabled()
    assert (gc.get_freeze_count() == 0) == (frozen_before == 0)


def test_a_checkpoint_collects_every_nth_call_and_then_finds_the_cycles_made_since_the_last_collection() -> (
    None
):
    class Node:
        partner: object = None

    def cycle() -> None:
        first, second = Node(), Node()
        first.partner, second.partner = second, first

    with paused_gc(collect_every=3) as checkpoint:
        cycle()
        assert checkpoint() == 0
        cycle()
        assert checkpoint() == 0
        assert checkpoint() >= 4  # both cycles: the calls that did not collect did not freeze them either
        cycle()
        assert [checkpoint(), checkpoint()] == [0, 0]
        assert checkpoint() >= 2


def test_a_settled_heap_is_frozen_and_bulk_work_after_it_leaves_it_frozen() -> None:
    before = gc.get_threshold()
    try:
        kept = [object() for _ in range(1000)]
        settle_long_lived_heap()
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert gc.get_threshold() == SERVICE_THRESHOLDS
        with bulk_gc():
            pass
        assert gc.get_freeze_count() >= frozen
        assert gc.get_threshold() == SERVICE_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_every_collection_is_timed_by_generation_until_the_hook_is_removed() -> None:
    registry = CollectorRegistry()
    remove = observe_gc_pauses(registry)
    try:
        gc.collect()
        gc.collect(0)
    finally:
        remove()
    full = registry.get_sample_value("python_gc_pause_seconds_count", {"generation": "2"})
    young = registry.get_sample_value("python_gc_pause_seconds_count", {"generation": "0"})
    assert full is not None
    assert full >= 1
    assert young is not None
    assert young >= 1
    gc.collect()
    assert registry.get_sample_value("python_gc_pause_seconds_count", {"generation": "2"}) == full
