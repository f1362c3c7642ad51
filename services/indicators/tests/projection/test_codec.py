"""Facts JSON: each instant keeps its own offset through a write and a read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tthc.indicators.bench.memory_facts import stored_texts
from tthc.indicators.domain.facts import DossierFacts, DossierStatus, FeeLine
from tthc.indicators.projection import codec

CIVIL = "2024-05-06T09:31:00+07:00"
SAME_INSTANT_IN_UTC = "2024-05-06T02:31:00+00:00"
WITH_SECONDS = "2024-05-06T10:02:07.250000+07:00"


def _facts(*texts: str) -> DossierFacts:
    instants = [codec.shared_zone(datetime.fromisoformat(text)) for text in texts]
    return DossierFacts(
        "d1",
        "H99-0001",
        "U1",
        "P1",
        submitted_at=instants[0],
        received_at=instants[0],
        **DossierFacts.first_status(DossierStatus.RECEIVED, instants[0]),
    ).with_status(DossierStatus.PROCESSING, instants[-1], current_due=instants[-1])


def _written_instants(facts: DossierFacts) -> list[str]:
    document = json.loads(codec.dossier_to_json(facts))
    return [document["submitted_at"], document["current_due"], *(at for _, at in document["statuses"])]


@pytest.mark.parametrize(
    ("first", "written"),
    [
        (CIVIL, CIVIL),
        (SAME_INSTANT_IN_UTC, "2024-05-06T02:31:00Z"),  # the encoder writes UTC as "Z"
        ("2024-05-06T08:01:00+05:30", "2024-05-06T08:01:00+05:30"),
        ("2024-05-06T02:31:00.000001+00:00", "2024-05-06T02:31:00.000001Z"),
    ],
)
def test_an_instant_is_written_with_its_own_offset_and_read_back_equal(first: str, written: str) -> None:
    facts = _facts(first, WITH_SECONDS)
    assert _written_instants(facts) == [written, WITH_SECONDS, written, WITH_SECONDS]
    read = codec.dossier_from_json(codec.dossier_to_json(facts))
    assert read == facts
    assert read.submitted_at is not None
    assert read.submitted_at.utcoffset() == datetime.fromisoformat(first).utcoffset()


def test_whole_minutes_and_fractions_of_a_second_are_written_as_isoformat_writes_them() -> None:
    start = datetime.fromisoformat("2031-01-01T08:00:00+07:00")
    for step in (timedelta(minutes=1), timedelta(seconds=1, microseconds=7), timedelta(microseconds=500_000)):
        later = start + step
        assert _written_instants(_facts(start.isoformat(), later.isoformat()))[1] == later.isoformat()


def test_facts_are_written_as_the_standard_librarys_compact_json_and_read_back_equal() -> None:
    # stores written before the encoder changed hold this same text: one format, whatever wrote it
    unusual = _facts(CIVIL, WITH_SECONDS).evolve(
        fees=(FeeLine("Phí thẩm định", 150_000),), legal_time=timedelta(hours=1.5)
    )
    texts = [*stored_texts(300, seed=5), codec.dossier_to_json(unusual)]
    assert '"legal_s":5400.0' in texts[-1]
    assert "Phí thẩm định" in texts[-1]  # UTF-8 kept, not escaped
    for text in texts:
        document = json.loads(text)
        assert text == json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        assert codec.dossier_to_json(codec.dossier_from_json(text)) == text
