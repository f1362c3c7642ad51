from __future__ import annotations

import json

from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.entrypoints.kafka import build_feed_router
from tthc.dossier.feed.intake import FeedIntake
from tthc.kit.kafka.topics import DOSSIER_FEED

from .conftest import CODE, OTHER_WARD, dossier_record

DLQ = DOSSIER_FEED + ".dlq"


def broker_with_dlq_spy(intake: FeedIntake) -> tuple[KafkaBroker, list[tuple[bytes, dict[str, str]]]]:
    broker = KafkaBroker()
    broker.include_router(build_feed_router(intake))
    dead: list[tuple[bytes, dict[str, str]]] = []

    @broker.subscriber(DLQ, group_id="dlq-spy")
    async def on_dead_letter(message: KafkaMessage) -> None:
        dead.append((message.body, dict(message.headers)))

    return broker, dead


async def test_a_record_on_the_feed_topic_is_applied_for_its_own_unit(intake, app):
    broker, dead = broker_with_dlq_spy(intake)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(dossier_record(DonViXuLy=OTHER_WARD), DOSSIER_FEED)
    assert app.get(CODE).unit_code == OTHER_WARD
    assert app.get(CODE).status is DossierStatus.RECEIVED
    assert dead == []


async def test_an_array_message_applies_each_record(intake, app):
    second = "H48.40.01-240304-00002"
    broker, dead = broker_with_dlq_spy(intake)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish([dossier_record(), dossier_record(MaHoSo=second)], DOSSIER_FEED)
    assert {app.get(CODE).code, app.get(second).code} == {CODE, second}
    assert dead == []


async def test_a_message_that_is_not_json_goes_to_the_dead_letter_topic(intake):
    broker, dead = broker_with_dlq_spy(intake)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", DOSSIER_FEED, key=b"k1")
    ((body, headers),) = dead
    assert body == b"{not json"
    assert headers["x-dlq-reason"].startswith("not JSON")
    assert headers["x-original-topic"] == DOSSIER_FEED
    assert {"x-original-partition", "x-original-offset", "x-dlq-field"} <= headers.keys()


async def test_only_the_rejected_record_of_a_message_is_dead_lettered(intake, app):
    bad = dossier_record(MaHoSo="H48.40.01-240304-00009", NgayTiepNhan="2024-03-04")
    broker, dead = broker_with_dlq_spy(intake)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish([dossier_record(), bad], DOSSIER_FEED)
    assert app.get(CODE).status is DossierStatus.RECEIVED
    ((body, headers),) = dead
    assert json.loads(body) == bad
    assert headers["x-dlq-field"] == "NgayTiepNhan"
    assert "not a date in yyyyMMddHHmmss" in headers["x-dlq-reason"]
    assert headers["x-dlq-index"] == "1"


async def test_a_redelivered_message_changes_nothing(intake, app):
    broker, dead = broker_with_dlq_spy(intake)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(dossier_record(), DOSSIER_FEED)
        version = app.get(CODE).version
        await test_broker.publish(dossier_record(), DOSSIER_FEED)
    assert app.get(CODE).version == version
    assert dead == []
