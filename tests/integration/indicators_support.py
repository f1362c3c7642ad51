"""Helpers of the indicators fault and replay tests: topics, publishing, worker processes, scorecards."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tthc.contracts.envelope import CloudEvent
from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import Scorecard
from tthc.indicators.projection.scenarios import (
    DossierScenario,
    ScenarioSpace,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import load_unit_tree
from tthc.indicators.replay import ReplayReport, replay
from tthc.indicators.testing import ProjectionTopics as Topics
from tthc.kit.clock import FixedClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
NOW = datetime(2024, 3, 25, 15, tzinfo=VN)
TREE = load_unit_tree()  # the shipped sample registry, as the worker processes use it
UNITS = ("H48", "H48.01", "H48.30", "H48.30.01", "H48.40", "H48.40.01", "H48.40.02", "H48.40.03")
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 1, online_level="partial", unit_level="province"),
]
SPACE = ScenarioSpace(
    ["H48.01", "H48.30.01", "H48.40.01", "H48.40.02", "H48.40.03"], ["P1", "P2"], date(2024, 2, 20), 35, VN
)
TOTALS_LINE = re.compile(r"stopped: batches=(\d+) applied=(\d+) duplicates=(\d+) parked=(\d+) rejected=(\d+)")


def scenarios(count: int, seed: int) -> list[DossierScenario]:
    """`count` random dossiers in the sample province in February-March 2024."""
    return random_scenarios(random.Random(seed), count, SPACE)


def events_of(dossiers: Sequence[DossierScenario]) -> list[CloudEvent[Any]]:
    """Every public event of the dossiers, each dossier's in version order."""
    return [event for scenario in dossiers for event in scenario_events(scenario)]


def wait_for(condition: Callable[[], bool], timeout: float, what: str, poll_s: float = 0.2) -> float:
    """Waits until `condition()`; returns the seconds waited. Raises TimeoutError after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(poll_s)
    return time.monotonic() - started


@dataclass
class Worker:
    """One `python -m tthc.indicators.worker` process; its log goes to a file."""

    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, topics: Topics, store_url: str, log: Path, max_records: int = 100) -> Worker:
        env = {
            **os.environ,
            "TTHC_INDICATORS_STORE_URL": store_url,
            "TTHC_INDICATORS_KAFKA_BOOTSTRAP_SERVERS": topics.bootstrap,
            "TTHC_INDICATORS_GROUP_ID": topics.group,
            "TTHC_INDICATORS_DOSSIER_TOPIC": topics.dossiers,
            "TTHC_INDICATORS_CATALOG_TOPIC": topics.catalog,
            "TTHC_INDICATORS_MAX_RECORDS": str(max_records),
            "TTHC_INDICATORS_BATCH_TIMEOUT_MS": "100",
        }
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "tthc.indicators.worker"], env=env, stdout=out, stderr=out
            )
        return cls(process, log)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown at all."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> tuple[int, ...]:
        """SIGTERM, wait; returns (batches, applied, duplicates, parked, rejected) from its last log line."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        text = self.log.read_text(errors="replace")
        found = TOTALS_LINE.findall(text)
        if self.process.returncode != 0 or not found:
            raise AssertionError(f"worker did not stop cleanly ({self.process.returncode}):\n{text[-3000:]}")
        return tuple(int(value) for value in found[-1])

    def ensure_stopped(self) -> None:
        if self.alive():
            self.kill()


def scorecards(store_url: str) -> dict[str, Scorecard]:
    """The March 2024 scorecards of the test units, counted as of `NOW`, from the store at `store_url`."""
    indicators = Indicators(FactsStore.open(store_url), TREE, FixedClock(NOW), refresh_interval_s=0)
    try:
        return {unit: indicators.scorecard(unit, MARCH) for unit in UNITS}
    finally:
        indicators.close()


def clean_replay(topics: Topics, store_url: str) -> ReplayReport:
    """Replays the topics into the (fresh) store at `store_url`."""
    store = FactsStore.open(store_url)
    try:
        return replay(store, topics.source())
    finally:
        store.close()


def dossier_facts(store_url: str) -> dict[str, Any]:
    """Every dossier's facts in the store, by id."""
    store = FactsStore.open(store_url)
    try:
        return {facts.dossier_id: facts for facts in store.dossiers()}
    finally:
        store.close()


class LiveConsumer:
    """The projection consumer in this process, on the real broker: a read model on `store_url`."""

    def __init__(self, topics: Topics, store_url: str, group: str | None = None) -> None:
        from faststream.kafka import KafkaBroker

        from tthc.indicators.entrypoints.kafka import ConsumerOptions, build_router

        self.topics = topics
        self.group = group or topics.group
        self.indicators = Indicators(FactsStore.open(store_url), TREE, FixedClock(NOW), refresh_interval_s=0)
        options = ConsumerOptions(
            topics.dossiers, topics.catalog, self.group, max_records=500, batch_timeout_ms=100
        )
        self.broker = KafkaBroker(topics.bootstrap)
        self.broker.include_router(build_router(self.indicators, options))

    async def __aenter__(self) -> LiveConsumer:
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()
        self.indicators.close()

    async def caught_up(self, condition: Callable[[], bool] = lambda: True, timeout: float = 60) -> None:
        """Waits until the group has committed everything on the topics and `condition()` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.topics.lag, self.group) == 0 and condition():
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"consumer did not catch up (lag {self.topics.lag(self.group)})")
