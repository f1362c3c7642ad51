"""Counts step aside while batches are written; batches never wait for counts."""

from __future__ import annotations

import threading
import time

from tthc.indicators.writer_gate import WriterGate


def test_a_waiting_count_resumes_only_when_every_writer_is_done() -> None:
    gate = WriterGate()
    resumed = threading.Event()
    with gate.writing():
        with gate.writing():
            counter = threading.Thread(target=lambda: (gate.wait_for_writers(), resumed.set()))
            counter.start()
            time.sleep(0.1)
            assert not resumed.is_set()
        time.sleep(0.1)
        assert not resumed.is_set()  # one writer still at work
    counter.join(5)
    assert resumed.is_set()


def test_no_writer_means_no_wait_and_a_stuck_writer_only_delays_by_the_timeout() -> None:
    gate = WriterGate()
    began = time.perf_counter()
    gate.wait_for_writers()
    assert time.perf_counter() - began < 0.05
    with gate.writing():
        began = time.perf_counter()
        gate.wait_for_writers(timeout_s=0.2)
        assert 0.15 < time.perf_counter() - began < 2
