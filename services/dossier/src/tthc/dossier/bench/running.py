"""The real dossier service (``build`` + ``serve``) running in a background thread with its own event loop.

Tests and benchmarks drive it from ordinary blocking code: push over HTTP, call the application, read
Kafka, and wait for the outbox relay to catch up, while gRPC, HTTP, the relay and the Kafka feed consumer
run exactly as in ``tthc dossier serve``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tthc.dossier.bootstrap import DossierService, Endpoints, build, serve
from tthc.dossier.config import DossierSettings
from tthc.kit.clock import Clock
from tthc.kit.relay import OutboxRelay


class ServiceStartError(RuntimeError):
    """The service thread failed or did not report ready in time."""


class RelayBehindError(TimeoutError):
    """The outbox relay did not catch up with the notification log in time."""


@dataclass
class RunningService:
    """A started service: its parts and where it listens."""

    service: DossierService
    endpoints: Endpoints

    @property
    def relay(self) -> OutboxRelay:
        """The outbox relay (the service must run with Kafka enabled)."""
        if self.service.relay is None:
            raise ServiceStartError("the service runs without Kafka: no relay")
        return self.service.relay

    def wait_until_relayed(self, timeout_s: float = 120.0, poll_s: float = 0.1) -> None:
        """Blocks until the relay's lag is 0. Raises: RelayBehindError with the lag left."""
        deadline = time.monotonic() + timeout_s
        while (lag := self.relay.lag()) > 0:
            if time.monotonic() > deadline:
                raise RelayBehindError(f"relay still {lag} notifications behind after {timeout_s}s")
            time.sleep(poll_s)


class _ServiceThread(threading.Thread):
    """Runs ``serve`` until ``stop()``; keeps the endpoints or the error for the starting thread."""

    def __init__(self, service: DossierService) -> None:
        super().__init__(name="dossier-service", daemon=True)
        self.service = service
        self.ready = threading.Event()
        self.endpoints: Endpoints | None = None
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the starting thread
            self.error = error
        finally:
            self.ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()

        def announce(endpoints: Endpoints) -> None:
            self.endpoints = endpoints
            self.ready.set()

        await serve(self.service, self._stop_event, on_ready=announce)

    def stop(self, timeout_s: float) -> None:
        if self._loop is not None and self._stop_event is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self.join(timeout_s)


@contextmanager
def running_service(
    settings: DossierSettings, *, clock: Clock | None = None, ready_timeout_s: float = 90.0
) -> Iterator[RunningService]:
    """Builds and serves the service; yields once every endpoint listens; stops it and closes the store."""
    service = build(settings, clock=clock)
    thread = _ServiceThread(service)
    thread.start()
    try:
        if not thread.ready.wait(ready_timeout_s) or thread.endpoints is None:
            raise ServiceStartError(f"dossier service did not start: {thread.error!r}") from thread.error
        yield RunningService(service, thread.endpoints)
    finally:
        thread.stop(timeout_s=60.0)
        service.app.close()
    if thread.error is not None:
        raise ServiceStartError(f"dossier service failed: {thread.error!r}") from thread.error
