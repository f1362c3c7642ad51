"""A replay split across worker processes (`replay_in_parallel`) rebuilds the same store as one process.

Real broker, dossier topic of 3 partitions (+ the catalogue), re-published copies and one dossier published
out of version order; targets: a SQLite file and a PostgreSQL database. The group's offsets end where the
workers stopped, per partition.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tthc.indicators.projection.scenarios import DossierScenario, Step, expected_facts, scenario_events
from tthc.indicators.replay_parallel import SharedStoreRequiredError, replay_in_parallel

from .indicators_support import (
    CATALOGUE,
    NOW,
    Topics,
    clean_replay,
    dossier_facts,
    events_of,
    scenarios,
    scorecards,
)

pytestmark = pytest.mark.kafka


def _out_of_order_dossier() -> DossierScenario:
    at = NOW - timedelta(days=12)
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, "parallel-out-of-order"),
        code="PAR-OOO-1",
        unit_code="H48.40.01",
        procedure_code="P1",
        received_at=at,
        due_at=at + timedelta(days=3),
        channel=2,
        registered_at=at - timedelta(hours=3),
        steps=(Step("start", at + timedelta(hours=1)), Step("resolve", at + timedelta(days=1), number=1)),
    )


async def _published(topics: Topics) -> tuple[list[DossierScenario], int, int]:
    dossiers = scenarios(600, seed=21)
    events = events_of(dossiers)
    odd = _out_of_order_dossier()
    v1, v2, v3, v4 = scenario_events(odd)
    published = await topics.publish(CATALOGUE) + await topics.publish(events)
    published += await topics.publish([v1, v3, v2, v4], partition=1)
    copies = await topics.publish(events[500:800])
    return [*dossiers, odd], published, copies


def _recorder(seen: list[tuple[int, int]]) -> Callable[[int, int], None]:
    return lambda records, total: seen.append((records, total))


@pytest.mark.postgres
async def test_two_workers_rebuild_what_one_process_rebuilds(
    kafka_bootstrap: str, postgres_database: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    dossiers, published, copies = await _published(topics)
    single = f"sqlite:///{tmp_path / 'single.db'}"
    await asyncio.to_thread(clean_replay, topics, single)
    expected = scorecards(single)
    assert sum(m.denominator or 0 for m in expected["H48"].metrics) > 600  # a real comparison

    group = f"{topics.group}.parallel"
    for target in (f"sqlite:///{tmp_path / 'parallel.db'}", postgres_database):
        source = topics.source(group=f"{group}.{len(target)}")
        seen: list[tuple[int, int]] = []
        report = await asyncio.to_thread(
            replay_in_parallel, target, source, workers=2, progress=_recorder(seen)
        )
        assert (report.records, report.applied, report.duplicates) == (published + copies, published, copies)
        assert (report.dossiers, report.parked, report.unreadable, report.rejected) == (601, 0, 0, 0)
        assert sum(n for n, _ in seen) == published + copies
        assert seen[-1][1] == published + copies  # the workers' own totals, once all reported
        assert scorecards(target) == expected
        facts = dossier_facts(target)
        assert all(facts[str(s.dossier_id)] == expected_facts(s) for s in dossiers)
        assert await asyncio.to_thread(topics.committed, source.group) == (
            published + copies,
            published + copies,
        )


def test_an_in_memory_store_cannot_be_shared_by_workers(kafka_bootstrap: str) -> None:
    with pytest.raises(SharedStoreRequiredError):
        replay_in_parallel("sqlite:///:memory:", Topics(kafka_bootstrap).source(), workers=2)


async def test_the_installed_command_replays_with_two_worker_processes(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    published = await topics.publish(CATALOGUE) + await topics.publish(events_of(scenarios(200, seed=22)))
    target = f"sqlite:///{tmp_path / 'cli.db'}"
    environment = {
        **os.environ,
        "TTHC_INDICATORS_DOSSIER_TOPIC": topics.dossiers,
        "TTHC_INDICATORS_CATALOG_TOPIC": topics.catalog,
        "TTHC_INDICATORS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
    }
    command = [
        str(Path(sys.executable).parent / "tthc"),
        "index",
        "replay",
        "--store",
        target,
        "--workers",
        "2",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert re.search(rf"events applied\s*│\s*{published:,}", done.stdout), done.stdout
    single = f"sqlite:///{tmp_path / 'single.db'}"
    await asyncio.to_thread(clean_replay, topics, single)
    assert scorecards(target) == scorecards(single)
