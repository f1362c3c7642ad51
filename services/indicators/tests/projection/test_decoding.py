"""Reading CloudEvents from the wire into typed inbound events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import envelope, event_id
from tthc.indicators.projection.decoding import Position, Stream, UnreadableEventError, decode
from tthc.indicators.projection.scenarios import procedure_changed

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ID = uuid.UUID("00000000-0000-0000-0000-000000000002")


def started(version: int) -> bytes:
    data = pub.DossierStepStarted(dossier_id=ID, code="HS-2", at=datetime(2024, 3, 5, tzinfo=VN))
    event = envelope(data, aggregate_id=ID, version=version, source=pub.SOURCE, subject="HS-2",
                     time=data.at, unit="U1")  # fmt: skip
    return event.model_dump_json().encode()


def test_a_dossier_event_reads_with_its_aggregate_sequence_and_position() -> None:
    event = decode(started(3), Position("t", 1, 42, 7))
    assert (event.stream, event.aggregate_id, event.sequence) == (Stream.DOSSIER, str(ID), 3)
    assert event.event_id == event_id(ID, 3)
    assert isinstance(event.data, pub.DossierStepStarted)
    assert event.position.offset == 42
    assert decode(event.to_json()).envelope == event.envelope


def test_a_catalogue_event_is_keyed_by_procedure_code() -> None:
    event = decode(procedure_changed("1.000656", 4).model_dump_json())
    assert (event.stream, event.aggregate_id, event.sequence) == (Stream.PROCEDURE, "1.000656", 4)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff not json", "not JSON"),
        (b'{"type": "vn.tthc.other.v1"}', "unknown event type"),
        (json.dumps({**json.loads(started(1)), "sequence": 0}).encode(), "sequence"),
        (json.dumps({**json.loads(started(1)), "data": {"code": "x"}}).encode(), "data"),
    ],
)
def test_unreadable_messages_say_why(value: bytes, reason: str) -> None:
    with pytest.raises(UnreadableEventError, match=reason):
        decode(value)
