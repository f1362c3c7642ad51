"""`tthc index replay` against the real broker: the rebuilt store answers exactly like the live read model.

Also: a replay refuses a store that already holds a projection (unless forced); with `--group` the group's
offsets end where the replay stopped, so a consumer started with it on the rebuilt store reads only what came
after; a rebuild interrupted after committing to its group resumes from there; events of one dossier
published out of version order are parked, then drained, end to end.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tthc.indicators.entrypoints.cli_replay import replay as replay_command
from tthc.indicators.projection.decoding import Stream
from tthc.indicators.projection.scenarios import DossierScenario, Step, expected_facts, scenario_events
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.window import Rows
from tthc.indicators.replay import StoreNotEmptyError, replay

from .indicators_support import (
    CATALOGUE,
    MARCH,
    NOW,
    UNITS,
    LiveConsumer,
    Topics,
    clean_replay,
    dossier_facts,
    events_of,
    scenarios,
    scorecards,
)

pytestmark = pytest.mark.kafka


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("replay")(replay_command)
    app.command("noop")(lambda: None)  # two commands: typer keeps `replay` as a named sub-command
    return app


async def test_a_replay_into_a_fresh_store_equals_the_live_read_model(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    dossiers = scenarios(900, seed=11)
    events = events_of(dossiers)
    published = await topics.publish(CATALOGUE) + await topics.publish(events)
    copies = await topics.publish(events[1000:1300])  # re-published: same ids and versions, new offsets

    async with LiveConsumer(topics, f"sqlite:///{tmp_path / 'live.db'}") as live:
        await live.caught_up(lambda: live.indicators.totals.applied == published)
        live_cards = {unit: live.indicators.scorecard(unit, MARCH) for unit in UNITS}
        assert live.indicators.totals.duplicates == copies

    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    report = await asyncio.to_thread(clean_replay, topics, rebuilt)
    print(
        f"\nreplay: {report.records} records in {report.seconds:.2f} s = {report.events_per_second:,.0f} "
        f"events/s (SQLite, 3+1 partitions)"
    )
    assert (report.records, report.applied, report.duplicates) == (published + copies, published, copies)
    assert (report.dossiers, report.procedures, report.parked, report.unreadable) == (900, 2, 0, 0)
    assert scorecards(rebuilt) == live_cards
    assert sum(m.denominator or 0 for m in live_cards["H48"].metrics) > 900  # a real comparison
    windowed = f"sqlite:///{tmp_path / 'windowed.db'}"  # windows ending mid-dossier, over many batches
    small = FactsStore.open(windowed)
    report = await asyncio.to_thread(
        replay, small, replace(topics.source(), max_records=100, window_records=450)
    )
    small.close()
    assert (report.records, report.applied, report.duplicates) == (published + copies, published, copies)
    assert scorecards(windowed) == live_cards
    facts = dossier_facts(rebuilt)
    assert all(facts[str(s.dossier_id)] == expected_facts(s) for s in dossiers)

    store = FactsStore.open(rebuilt)
    with pytest.raises(StoreNotEmptyError):
        replay(store, topics.source())
    forced = replay(store, topics.source(), force=True)
    store.close()
    assert (forced.applied, forced.duplicates) == (published, copies)
    assert scorecards(rebuilt) == live_cards


async def test_the_replay_command_seeds_a_group_that_goes_on_after_it(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    topics = Topics(kafka_bootstrap)
    first, later = scenarios(300, seed=12), scenarios(40, seed=13)
    published = await topics.publish(CATALOGUE) + await topics.publish(events_of(first))
    store_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    group = f"{topics.group}.rebuilt"
    monkeypatch.setenv("TTHC_INDICATORS_DOSSIER_TOPIC", topics.dossiers)
    monkeypatch.setenv("TTHC_INDICATORS_CATALOG_TOPIC", topics.catalog)
    monkeypatch.setenv("TTHC_INDICATORS_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    runner = CliRunner()
    empty_window = ["replay", "--store", store_url, "--window", "0"]
    refused = await asyncio.to_thread(runner.invoke, _cli(), empty_window)
    assert refused.exit_code == 2
    assert "--window" in refused.output

    done = await asyncio.to_thread(
        runner.invoke, _cli(), ["replay", "--store", store_url, "--group", group, "--window", "500"]
    )
    assert done.exit_code == 0, done.output
    assert "events applied" in done.output
    assert f"{published:,}" in done.output
    assert await asyncio.to_thread(topics.committed, group) == (published, published)

    again = await asyncio.to_thread(runner.invoke, _cli(), ["replay", "--store", store_url])
    assert again.exit_code == 1
    assert "already holds a projection" in again.output

    more = await topics.publish(events_of(later))
    async with LiveConsumer(topics, store_url, group=group) as consumer:
        await consumer.caught_up(lambda: consumer.indicators.totals.applied == more)
        assert consumer.indicators.totals.duplicates == 0  # nothing before the replay's end was read again
        live_cards = {unit: consumer.indicators.scorecard(unit, MARCH) for unit in UNITS}
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(clean_replay, topics, fresh)
    assert scorecards(fresh) == live_cards


async def test_a_dossier_published_out_of_version_order_is_parked_then_drained(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap, partitions=1)
    at = NOW - timedelta(days=10)
    scenario = DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, "out-of-order"),
        code="OOO-1",
        unit_code="H48.40.01",
        procedure_code="P1",
        received_at=at,
        due_at=at + timedelta(days=3),
        channel=2,
        registered_at=at - timedelta(hours=3),
        steps=(Step("start", at + timedelta(hours=1)), Step("resolve", at + timedelta(days=1), number=1)),
    )
    v1, v2, v3, v4 = scenario_events(scenario)
    assert [event.sequence for event in (v1, v2, v3, v4)] == [1, 2, 3, 4]
    store_url = f"sqlite:///{tmp_path / 'facts.db'}"
    await topics.publish(CATALOGUE)
    async with LiveConsumer(topics, store_url) as consumer:
        indicators = consumer.indicators
        await topics.publish([v1, v3], partition=0)
        await consumer.caught_up(lambda: indicators.totals.parked == 1)
        store = FactsStore.open(store_url)
        assert store.pending_count() == 1
        assert store.version(Stream.DOSSIER, str(scenario.dossier_id)) == 1

        await topics.publish([v2, v4], partition=0)
        await consumer.caught_up(lambda: indicators.totals.applied == 2 + 4)
        assert store.pending_count() == 0
        assert store.version(Stream.DOSSIER, str(scenario.dossier_id)) == 4
        store.close()
        assert indicators.dossier(str(scenario.dossier_id)) == expected_facts(scenario)
        assert indicators.totals.duplicates == 0


async def test_an_interrupted_rebuild_resumes_from_its_group(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = Topics(kafka_bootstrap)
    first = await topics.publish(CATALOGUE) + await topics.publish(events_of(scenarios(120, seed=14)))
    store_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    source = topics.source(group=f"{topics.group}.rebuild")
    store = FactsStore.open(store_url)
    assert (await asyncio.to_thread(replay, store, source)).applied == first
    more = await topics.publish(events_of(scenarios(30, seed=15)))
    resumed = await asyncio.to_thread(replay, store, replace(source, from_beginning=False))
    store.close()
    assert (resumed.records, resumed.applied, resumed.duplicates) == (more, more, 0)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(clean_replay, topics, fresh)
    assert scorecards(store_url) == scorecards(fresh)


class _StoreFailingAtWrite(FactsStore):
    """A facts store whose `failing_write`-th window write fails, as a crash in the middle of a rebuild."""

    failing_write = 3

    def write_rows(self, rows: Rows) -> range:
        self.failing_write -= 1
        if self.failing_write == 0:
            raise RuntimeError("the disk went away")
        return super().write_rows(rows)


async def test_a_rebuild_failing_mid_way_resumes_from_its_last_committed_window(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    dossiers = scenarios(300, seed=16)
    published = await topics.publish(CATALOGUE) + await topics.publish(events_of(dossiers))
    store_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    group = f"{topics.group}.windows"
    source = replace(topics.source(group=group), max_records=50, window_records=300)
    failing = _StoreFailingAtWrite.open(store_url)
    with pytest.raises(RuntimeError, match="the disk went away"):
        await asyncio.to_thread(replay, failing, source)
    failing.close()
    committed, total = await asyncio.to_thread(topics.committed, group)
    assert total == published
    assert 600 <= committed < published  # two windows of at least 300 records each, the third lost

    store = FactsStore.open(store_url)
    resumed = await asyncio.to_thread(replay, store, replace(source, from_beginning=False))
    store.close()
    assert resumed.records == published - committed  # from the last committed window, not from the start
    assert resumed.applied + resumed.duplicates == resumed.records
    assert await asyncio.to_thread(topics.committed, group) == (published, published)
    assert dossier_facts(store_url) == {str(s.dossier_id): expected_facts(s) for s in dossiers}
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(clean_replay, topics, fresh)
    assert scorecards(store_url) == scorecards(fresh)
