"""Facts JSON: each instant keeps its own offset through a write and a read, whatever the text table holds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import pairwise

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


@pytest.mark.parametrize("first", [CIVIL, SAME_INSTANT_IN_UTC])
def test_an_instant_is_written_with_its_own_offset_and_read_back_equal(first: str) -> None:
    codec.dossier_to_json(_facts(CIVIL, CIVIL))  # the civil text of this instant is in the table now
    facts = _facts(first, WITH_SECONDS)
    assert _written_instants(facts) == [first, WITH_SECONDS, first, WITH_SECONDS]
    assert codec.dossier_from_json(codec.dossier_to_json(facts)) == facts


def test_the_text_table_is_emptied_when_full_and_texts_stay_right() -> None:
    start = datetime.fromisoformat("2031-01-01T08:00:00+07:00")  # minutes no other test writes
    minutes = [(start + timedelta(minutes=n)).isoformat() for n in range(codec.TEXTS_KEPT + 3)]
    sizes = []
    for text, later in pairwise(minutes):
        assert _written_instants(_facts(text, later)) == [text, later, text, later]
        sizes.append(len(codec._TEXTS))
    assert max(sizes) <= codec.TEXTS_KEPT
    assert any(after < before for before, after in pairwise(sizes))  # emptied when full, then refilled


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
