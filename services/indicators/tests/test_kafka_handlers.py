"""The projection subscriber on FastStream's in-memory broker: batches, dead letters, acknowledgement."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import KafkaAckableMessage

from tthc.contracts import topics
from tthc.indicators.application import Indicators
from tthc.indicators.entrypoints.kafka import ConsumerOptions, build_router
from tthc.indicators.projection.scenarios import DossierScenario, Step, expected_facts, scenario_events
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree
from tthc.kit.clock import FixedClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2024, 3, 4, 8, tzinfo=VN)
TREE = UnitTree([UnitInfo("H", "Tỉnh", "PROVINCE"), UnitInfo("H.01", "Xã", "COMMUNE", "H")])


def scenario(code: str, *, supplied_twice: bool = False) -> DossierScenario:
    steps = [Step("start", T0 + timedelta(hours=1)), Step("resolve", T0 + timedelta(days=1), number=1)]
    if supplied_twice:
        steps = [Step("start", T0 + timedelta(hours=1)), Step("supplied", T0 + timedelta(hours=2))]
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code), code=code, unit_code="H.01", procedure_code="P1",
        received_at=T0, due_at=T0 + timedelta(days=2), steps=tuple(steps),
    )  # fmt: skip


@pytest.fixture
def indicators(tmp_path: Path) -> Indicators:
    return Indicators(FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}"), TREE, FixedClock(T0))


def wired(indicators: Indicators) -> tuple[KafkaBroker, list[tuple[bytes, dict[str, str]]]]:
    broker = KafkaBroker()
    broker.include_router(build_router(indicators, ConsumerOptions(retry_delay_s=0)))
    dead: list[tuple[bytes, dict[str, str]]] = []

    @broker.subscriber(topics.dead_letter(topics.DOSSIER_EVENTS))
    async def on_dead_letter(message: KafkaMessage) -> None:
        dead.append((message.body, dict(message.headers)))

    return broker, dead


def wire(scenario_: DossierScenario) -> list[bytes]:
    return [event.model_dump_json().encode() for event in scenario_events(scenario_)]


async def test_published_events_become_facts_once(indicators: Indicators) -> None:
    broker, dead = wired(indicators)
    one, two = scenario("HS-1"), scenario("HS-2")
    async with TestKafkaBroker(broker) as test_broker:
        for value in wire(one) + wire(two) + wire(one):
            await test_broker.publish(value, topics.DOSSIER_EVENTS, key=str(one.dossier_id).encode())
        await test_broker.publish_batch(*wire(two), topic=topics.DOSSIER_EVENTS)
    assert indicators.dossier(str(one.dossier_id)) == expected_facts(one)
    assert indicators.dossier(str(two.dossier_id)) == expected_facts(two)
    assert dead == []


async def test_unreadable_messages_go_to_the_dead_letter_topic_with_the_reason(
    indicators: Indicators,
) -> None:
    broker, dead = wired(indicators)
    good = scenario("HS-3")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b"{not json", *wire(good), topic=topics.DOSSIER_EVENTS)
    assert indicators.dossier(str(good.dossier_id)) == expected_facts(good)
    [(body, headers)] = dead
    assert body == b"{not json"
    assert headers["x-dlq-reason"].startswith("not JSON")
    assert headers["x-original-topic"] == topics.DOSSIER_EVENTS


async def test_an_event_the_facts_cannot_absorb_is_dead_lettered_and_the_stream_goes_on(
    indicators: Indicators,
) -> None:
    broker, dead = wired(indicators)
    odd = scenario("HS-4", supplied_twice=True)  # a supplement supplied that was never requested
    events = scenario_events(odd)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(*wire(odd), topic=topics.DOSSIER_EVENTS)
    [(body, headers)] = dead
    assert body == events[-1].model_dump_json().encode()
    assert headers["x-dlq-event-id"] == events[-1].id
    assert "no open supplement round" in headers["x-dlq-reason"]
    facts = indicators.dossier(str(odd.dossier_id))
    assert facts is not None
    assert facts.supplements == ()


async def test_a_failed_store_transaction_is_not_acknowledged_and_applies_nothing(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker, _ = wired(indicators)
    acks: list[str] = []

    def broken(events: object) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(indicators, "apply_batch", broken)
    monkeypatch.setattr(KafkaAckableMessage, "ack", lambda self: _record(acks, "ack"))
    monkeypatch.setattr(KafkaAckableMessage, "nack", lambda self: _record(acks, "nack"))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(*wire(scenario("HS-5")), topic=topics.DOSSIER_EVENTS)
    assert acks == ["nack"]
    assert indicators.dossier(str(scenario("HS-5").dossier_id)) is None


async def _record(acks: list[str], what: str) -> None:
    acks.append(what)


async def test_a_batch_does_not_wait_for_the_default_executor(indicators: Indicators) -> None:
    # scrapes and some queries run in the default executor: all its threads busy must not hold a batch back
    broker, _ = wired(indicators)
    release = threading.Event()
    loop = asyncio.get_running_loop()
    blockers = [loop.run_in_executor(None, release.wait, 10) for _ in range(64)]
    one = scenario("HS-9")
    try:
        async with TestKafkaBroker(broker) as test_broker:
            await asyncio.wait_for(
                test_broker.publish_batch(*wire(one), topic=topics.DOSSIER_EVENTS), timeout=5
            )
        assert indicators.dossier(str(one.dossier_id)) == expected_facts(one)
    finally:
        release.set()
        await asyncio.gather(*blockers)
