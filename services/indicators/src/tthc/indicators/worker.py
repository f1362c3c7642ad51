"""The projection consumer as a process: ``python -m tthc.indicators.worker``.

Reads the ``TTHC_INDICATORS_*`` settings, opens the facts store and consumes the dossier and catalogue topics
in the configured consumer group until SIGTERM or SIGINT; then stops the consumer (the batch in hand is
finished and acknowledged first), closes the store and logs what this process applied. Several workers with
one group and a shared PostgreSQL store split the partitions between them (docs/scale-out.md).

The full service bootstrap (gRPC, /metrics) composes the same pieces; this module stays the smallest runnable
consumer, for operations and for the fault tests.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from tthc.indicators.application import Indicators, ProjectionTotals
from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.entrypoints.kafka import build_broker
from tthc.kit.clock import SystemClock

log = logging.getLogger("tthc.indicators.worker")


async def run_worker(settings: IndicatorsSettings, stop: asyncio.Event) -> ProjectionTotals:
    """Consumes until `stop` is set; returns the totals of the batches this process applied."""
    indicators = Indicators.open(
        settings.store_url,
        SystemClock(),
        units_file=settings.units_file,
        refresh_interval_s=settings.refresh_interval_s,
    )
    try:
        broker = build_broker(settings, indicators)
        await broker.start()
        log.info(
            "consuming %s and %s as group %s",
            settings.dossier_topic, settings.catalog_topic, settings.group_id,
        )  # fmt: skip
        try:
            await stop.wait()
        finally:
            await broker.stop()
        return indicators.totals
    finally:
        indicators.close()


def describe(totals: ProjectionTotals) -> str:
    """One log line with the totals (the fault tests read it)."""
    return (
        f"batches={totals.batches} applied={totals.applied} duplicates={totals.duplicates} "
        f"parked={totals.parked} rejected={totals.rejected}"
    )


async def _main() -> None:
    settings = IndicatorsSettings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    totals = await run_worker(settings, stop)
    log.info("stopped: %s", describe(totals))


def main() -> None:
    """Entry point of ``python -m tthc.indicators.worker``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_main())


if __name__ == "__main__":
    main()
