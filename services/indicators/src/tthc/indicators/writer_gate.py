"""Batches before counts: a long count steps aside while a batch is written to the store.

SQLite releases the interpreter lock around every statement it runs, and a thread that wants the lock back
waits for the switch interval (5 ms) whenever another thread is busy in Python. A batch runs thousands of
statements (a tracking row per event, a facts row per dossier), so a count running beside it (a cold
province-year, the start-up warm-up) stretched a 0.1 s batch to 3–6 s at province scale: the freshness of
every scorecard paid for it. Counting therefore pauses, every few hundred dossiers, while any
batch is being written; a batch never waits for a count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WriterGate:
    """Lets counts wait while batches are written (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writers = 0
        self._idle = threading.Event()
        self._idle.set()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Marks a batch being written for the duration of the block."""
        with self._lock:
            self._writers += 1
            self._idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._writers -= 1
                if not self._writers:
                    self._idle.set()

    def wait_for_writers(self, timeout_s: float = 30.0) -> None:
        """Returns once no batch is being written (after `timeout_s` at most: a count never stalls)."""
        self._idle.wait(timeout_s)
