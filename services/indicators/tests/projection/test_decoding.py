"""Reading CloudEvents from the wire into typed inbound events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import envelope, event_id
from tthc.indicators.projection import inbound
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
    assert event.type == pub.DossierStepStarted.EVENT_TYPE
    assert event.data == {"dossier_id": str(ID), "code": "HS-2", "at": datetime(2024, 3, 5, tzinfo=VN)}
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


def received_message(**changes: object) -> dict[str, object]:
    data = pub.DossierReceived(
        dossier_id=ID, code="HS-2", procedure_code="1.001193", unit_code="U1", channel=2, applicant_ref="r",
        applicant_type=1, received_at=datetime(2024, 3, 5, 9, tzinfo=VN),
    )  # fmt: skip
    event = envelope(data, aggregate_id=ID, version=2, source=pub.SOURCE, subject="HS-2",
                     time=data.received_at, unit="U1")  # fmt: skip
    message: dict[str, object] = json.loads(event.model_dump_json())
    message["data"] = {**message["data"], **changes}  # type: ignore[dict-item]
    return message


def without(message: dict[str, object], *names: str) -> bytes:
    data = {key: value for key, value in message["data"].items() if key not in names}  # type: ignore[attr-defined]
    return json.dumps({**message, "data": data}).encode()


def required_and_all(model: Any) -> tuple[frozenset[str], frozenset[str]]:
    """A read model's (typed dictionary's) required keys and all its keys."""
    return model.__required_keys__, model.__required_keys__ | model.__optional_keys__


def contract_required_and_all(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    fields = model.model_fields
    return frozenset(key for key, field in fields.items() if field.is_required()), frozenset(fields)


@pytest.mark.parametrize("name", sorted(pub.EVENT_TYPES))
def test_every_contract_event_has_a_read_model_of_its_own_fields(name: str) -> None:
    assert inbound.EVENT_TYPES.keys() == pub.EVENT_TYPES.keys()
    required, every = required_and_all(inbound.EVENT_TYPES[name])
    contract_required, contract_every = contract_required_and_all(pub.EVENT_TYPES[name])
    assert every <= contract_every
    assert required <= contract_required


@pytest.mark.parametrize(
    ("read_model", "contract"),
    [
        (inbound.Fee, pub.Fee),
        (inbound.DocumentFlags, pub.DocumentFlags),
        (inbound.ResultFile, pub.ResultFile),
    ],
)
def test_the_nested_read_models_read_fields_of_the_contract(
    read_model: Any, contract: type[BaseModel]
) -> None:
    required, every = required_and_all(read_model)
    contract_required, contract_every = contract_required_and_all(contract)
    assert every <= contract_every
    assert required <= contract_required


def test_fields_the_index_does_not_use_may_be_missing_but_those_it_uses_may_not() -> None:
    message = received_message()
    event = decode(without(message, "applicant_ref", "applicant_type"))
    assert event.type == pub.DossierReceived.EVENT_TYPE
    assert event.data["received_at"] == datetime(2024, 3, 5, 9, tzinfo=VN)  # type: ignore[index]
    with pytest.raises(UnreadableEventError, match=r"data\.received_at: Field required"):
        decode(without(message, "received_at"))
    with pytest.raises(UnreadableEventError, match=r"data\.received_at: Input should have timezone info"):
        decode(json.dumps(received_message(received_at="2024-03-05T09:00:00")).encode())


@pytest.mark.parametrize(
    "spelling",
    [str(ID), str(ID).upper(), ID.hex, "{" + str(ID) + "}", "urn:uuid:" + str(ID)],
)
def test_a_dossier_id_reads_as_its_canonical_text_whatever_its_spelling(spelling: str) -> None:
    event = decode(json.dumps(received_message(dossier_id=spelling)).encode())
    assert event.aggregate_id == event.data["dossier_id"] == str(ID)  # type: ignore[index]


@pytest.mark.parametrize("bad", ["HS-2", str(ID)[:-1], 42, None])
def test_a_dossier_id_that_is_not_a_uuid_is_unreadable(bad: object) -> None:
    with pytest.raises(UnreadableEventError, match=r"data\.dossier_id: Input should be a valid UUID"):
        decode(json.dumps(received_message(dossier_id=bad)).encode())


def test_an_event_keeps_the_message_it_was_read_from() -> None:
    message = without(received_message(extra_field="kept"), "applicant_type")
    event = decode(message, Position("t", 0, 5))
    assert event.message is message
    assert event.to_json() == message.decode()
    assert decode(event.to_json()).envelope == event.envelope
